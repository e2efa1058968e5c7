//! The five stages of a renewal as shown to the user:
//! 用户申请 → 用户缴费 → 管理员审核 → 安装新证书 → 完成.
//!
//! [`Stage`] is what the progress bar shows, not the server's state machine:
//! several states (e.g. awaiting payment, payment failed) map to one stage.
//! On the wire a stage is its lowercase English name (`"apply"`, `"pay"`,
//! `"review"`, `"install"`, `"done"`).

use serde::{Deserialize, Serialize};

/// A stage of the renewal flow, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// 用户申请: the user fills in and signs the application.
    Apply,
    /// 用户缴费: the user pays for the renewal.
    Pay,
    /// 管理员审核: the CA's administrator reviews the application.
    Review,
    /// 安装新证书: the new certificate is installed on the token.
    Install,
    /// 完成: the renewal is complete.
    Done,
}

impl Stage {
    /// Every stage, in order.
    pub const fn all() -> [Stage; 5] {
        [
            Stage::Apply,
            Stage::Pay,
            Stage::Review,
            Stage::Install,
            Stage::Done,
        ]
    }

    /// The 0-based position of the stage in [`Stage::all`].
    pub const fn index(self) -> usize {
        match self {
            Stage::Apply => 0,
            Stage::Pay => 1,
            Stage::Review => 2,
            Stage::Install => 3,
            Stage::Done => 4,
        }
    }

    /// The stage after this one, or `None` after [`Stage::Done`].
    pub const fn next(self) -> Option<Stage> {
        match self {
            Stage::Apply => Some(Stage::Pay),
            Stage::Pay => Some(Stage::Review),
            Stage::Review => Some(Stage::Install),
            Stage::Install => Some(Stage::Done),
            Stage::Done => None,
        }
    }

    /// The wire name: `"apply"`, `"pay"`, `"review"`, `"install"` or `"done"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::Apply => "apply",
            Stage::Pay => "pay",
            Stage::Review => "review",
            Stage::Install => "install",
            Stage::Done => "done",
        }
    }

    /// The Chinese label, as in the CAs' manuals.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Stage::Apply => "用户申请",
            Stage::Pay => "用户缴费",
            Stage::Review => "管理员审核",
            Stage::Install => "安装新证书",
            Stage::Done => "完成",
        }
    }

    /// The English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Stage::Apply => "Apply",
            Stage::Pay => "Pay",
            Stage::Review => "Review",
            Stage::Install => "Install",
            Stage::Done => "Done",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        // (stage, index, wire, zh, en, next)
        let cases = [
            (
                Stage::Apply,
                0,
                "apply",
                "用户申请",
                "Apply",
                Some(Stage::Pay),
            ),
            (Stage::Pay, 1, "pay", "用户缴费", "Pay", Some(Stage::Review)),
            (
                Stage::Review,
                2,
                "review",
                "管理员审核",
                "Review",
                Some(Stage::Install),
            ),
            (
                Stage::Install,
                3,
                "install",
                "安装新证书",
                "Install",
                Some(Stage::Done),
            ),
            (Stage::Done, 4, "done", "完成", "Done", None),
        ];
        assert_eq!(cases.len(), Stage::all().len());
        for (stage, index, wire, zh, en, next) in cases {
            assert_eq!(stage.index(), index, "{stage:?}");
            assert_eq!(Stage::all()[index], stage, "{stage:?}");
            assert_eq!(stage.as_str(), wire, "{stage:?}");
            assert_eq!(stage.label_zh(), zh, "{stage:?}");
            assert_eq!(stage.label_en(), en, "{stage:?}");
            assert_eq!(stage.next(), next, "{stage:?}");
            let json = format!("\"{wire}\"");
            assert_eq!(serde_json::to_string(&stage).unwrap(), json, "{stage:?}");
            assert_eq!(
                serde_json::from_str::<Stage>(&json).unwrap(),
                stage,
                "{stage:?}"
            );
        }
    }

    #[test]
    fn order_follows_the_flow() {
        let all = Stage::all();
        assert!(all.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn rejects_unknown_wire_names() {
        for json in ["\"Apply\"", "\"paid\"", "\"\"", "0"] {
            assert!(serde_json::from_str::<Stage>(json).is_err(), "{json}");
        }
    }
}
