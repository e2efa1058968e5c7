//! What the development emulators' daily statements share (`crate::sandbox::gateways`;
//! here, beside the readers, so the files they make are the ones the readers take): the rows a test asks the gateway to
//! differ by (a payment the merchant never heard of, another amount, a missing
//! payment), and the files made for download, kept under single-use-looking tokens.
//!
//! `POST /sandbox/{wechatpay,alipay,unionpay}/bill/edit {"out_trade_no", "bill_date"?,
//! "total_fen"?, "omit"?}`: in the statement of `bill_date` (any day when absent),
//! `omit` drops the order's payment row; `total_fen` gives it that amount, or adds a
//! payment row when the gateway has no such paid order.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use serde::Deserialize;

use crate::random;

/// The most statement files kept for download.
const KEPT_FILES: usize = 32;

/// A test's change to the gateway's statement.
#[derive(Debug, Clone, Deserialize)]
pub struct BillEdit {
    /// The order (商户订单号).
    pub out_trade_no: String,
    /// `YYYY-MM-DD`; none: every day's statement.
    #[serde(default)]
    pub bill_date: Option<String>,
    /// The amount the statement shows, fen (adds the row if there is none).
    #[serde(default)]
    pub total_fen: Option<i64>,
    /// Leave the payment out.
    #[serde(default)]
    pub omit: bool,
}

/// A payment row of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidRow {
    /// 商户订单号.
    pub out_trade_no: String,
    /// The gateway's number.
    pub trade_no: String,
    /// Fen.
    pub total_fen: i64,
    /// `yyyy-MM-dd HH:mm:ss`, China Standard Time.
    pub paid_at: String,
}

/// The files by token, and the tokens oldest first.
type Kept = (HashMap<String, Vec<u8>>, VecDeque<String>);

/// Edits and files.
#[derive(Debug, Default)]
pub struct Bills {
    edits: Mutex<BTreeMap<String, BillEdit>>,
    files: Mutex<Kept>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding it leaves plain data behind: go on with it.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Bills {
    /// Records a test's edit (the latest per order counts).
    pub fn edit(&self, e: BillEdit) {
        lock(&self.edits).insert(e.out_trade_no.clone(), e);
    }

    /// The payment rows of `day` after the edits; `trade_no` numbers an added row.
    pub fn apply(
        &self,
        day: &str,
        mut rows: Vec<PaidRow>,
        trade_no: impl Fn() -> String,
    ) -> Vec<PaidRow> {
        for e in lock(&self.edits).values() {
            if e.bill_date.as_deref().is_some_and(|d| d != day) {
                continue;
            }
            if e.omit {
                rows.retain(|r| r.out_trade_no != e.out_trade_no);
                continue;
            }
            let Some(total) = e.total_fen else { continue };
            match rows.iter_mut().find(|r| r.out_trade_no == e.out_trade_no) {
                Some(r) => r.total_fen = total,
                None => rows.push(PaidRow {
                    out_trade_no: e.out_trade_no.clone(),
                    trade_no: trade_no(),
                    total_fen: total,
                    paid_at: format!("{day} 12:00:00"),
                }),
            }
        }
        rows.sort_by(|a, b| a.paid_at.cmp(&b.paid_at));
        rows
    }

    /// Keeps a file for download; returns its token.
    pub fn keep(&self, file: Vec<u8>) -> String {
        let token = random::token(24);
        let mut files = lock(&self.files);
        files.0.insert(token.clone(), file);
        files.1.push_back(token.clone());
        while files.1.len() > KEPT_FILES {
            if let Some(old) = files.1.pop_front() {
                files.0.remove(&old);
            }
        }
        token
    }

    /// The file kept under `token`.
    pub fn file(&self, token: &str) -> Option<Vec<u8>> {
        lock(&self.files).0.get(token).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(no: &str, fen: i64) -> PaidRow {
        PaidRow {
            out_trade_no: no.into(),
            trade_no: format!("T{no}"),
            total_fen: fen,
            paid_at: "2026-12-02 10:00:00".into(),
        }
    }

    #[test]
    fn edits_drop_change_and_add_rows_of_their_day() {
        let b = Bills::default();
        let edit = |no: &str, total: Option<i64>, omit: bool, day: Option<&str>| BillEdit {
            out_trade_no: no.into(),
            bill_date: day.map(str::to_owned),
            total_fen: total,
            omit,
        };
        b.edit(edit("A", None, true, None));
        b.edit(edit("B", Some(5), false, Some("2026-12-02")));
        b.edit(edit("C", Some(7), false, None));
        b.edit(edit("D", Some(9), false, Some("2026-12-01")));
        let rows = b.apply("2026-12-02", vec![row("A", 1), row("B", 2)], || "X".into());
        let got: Vec<(&str, i64)> = rows
            .iter()
            .map(|r| (r.out_trade_no.as_str(), r.total_fen))
            .collect();
        assert_eq!(got, [("B", 5), ("C", 7)]);
        let token = b.keep(vec![1, 2]);
        assert_eq!(b.file(&token), Some(vec![1, 2]));
        assert_eq!(b.file("other"), None);
    }
}
