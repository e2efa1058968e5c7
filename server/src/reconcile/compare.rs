//! The reconciliation rule: a statement's payments against the ledger's charges of the
//! same gateway and day, matched by our attempt number.

use std::collections::BTreeMap;

use super::ledger::Charge;
use super::statement::StatementRow;

/// What kind of difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Paid at the gateway, not in the ledger (money taken that no renewal counts).
    GatewayOnly,
    /// In the ledger, not in the gateway's statement (counted money never taken).
    LedgerOnly,
    /// In both, with different amounts.
    AmountMismatch,
}

impl Kind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GatewayOnly => "gateway_only",
            Self::LedgerOnly => "ledger_only",
            Self::AmountMismatch => "amount_mismatch",
        }
    }

    /// The kind of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::GatewayOnly, Self::LedgerOnly, Self::AmountMismatch]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A difference between a statement and the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Our attempt's number.
    pub out_trade_no: String,
    /// Which kind.
    pub kind: Kind,
    /// What the gateway says, fen (none: not in the statement).
    pub gateway_fen: Option<i64>,
    /// What the ledger says, fen (none: not in the ledger).
    pub ledger_fen: Option<i64>,
    /// The gateway's number, when it has one.
    pub gateway_trade_no: Option<String>,
}

/// Every difference, ordered by attempt number. A number twice in a statement counts
/// with the sum of its rows (a gateway pays an order once: two rows differ from the
/// ledger's one charge).
pub fn compare(statement: &[StatementRow], ledger: &[Charge]) -> Vec<Difference> {
    let mut gateway: BTreeMap<&str, (i64, &str)> = BTreeMap::new();
    for row in statement {
        let e = gateway
            .entry(row.out_trade_no.as_str())
            .or_insert((0, row.gateway_trade_no.as_str()));
        e.0 = e.0.saturating_add(row.amount_fen);
    }
    let mut ours: BTreeMap<&str, (i64, Option<&str>)> = BTreeMap::new();
    for c in ledger {
        let e = ours
            .entry(c.out_trade_no.as_str())
            .or_insert((0, c.gateway_trade_no.as_deref()));
        e.0 = e.0.saturating_add(c.amount_fen);
    }
    let mut out = Vec::new();
    for (no, (fen, trade_no)) in &gateway {
        let kind = match ours.get(no) {
            None => Kind::GatewayOnly,
            Some((ledger_fen, _)) if ledger_fen != fen => Kind::AmountMismatch,
            Some(_) => continue,
        };
        out.push(Difference {
            out_trade_no: (*no).to_owned(),
            kind,
            gateway_fen: Some(*fen),
            ledger_fen: ours.get(no).map(|o| o.0),
            gateway_trade_no: Some((*trade_no).to_owned()),
        });
    }
    for (no, (fen, trade_no)) in &ours {
        if !gateway.contains_key(no) {
            out.push(Difference {
                out_trade_no: (*no).to_owned(),
                kind: Kind::LedgerOnly,
                gateway_fen: None,
                ledger_fen: Some(*fen),
                gateway_trade_no: trade_no.map(str::to_owned),
            });
        }
    }
    out.sort_by(|a, b| a.out_trade_no.cmp(&b.out_trade_no));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(no: &str, fen: i64) -> StatementRow {
        StatementRow {
            out_trade_no: no.into(),
            gateway_trade_no: format!("T{no}"),
            amount_fen: fen,
        }
    }

    fn charge(no: &str, fen: i64) -> Charge {
        Charge {
            out_trade_no: no.into(),
            gateway_trade_no: Some(format!("T{no}")),
            amount_fen: fen,
        }
    }

    #[test]
    fn each_kind_of_difference_and_nothing_else() {
        let statement = [row("A", 100), row("B", 200), row("C", 300)];
        let ledger = [charge("A", 100), charge("B", 250), charge("D", 400)];
        let found = compare(&statement, &ledger);
        let kinds: Vec<(&str, Kind, Option<i64>, Option<i64>)> = found
            .iter()
            .map(|d| (d.out_trade_no.as_str(), d.kind, d.gateway_fen, d.ledger_fen))
            .collect();
        assert_eq!(
            kinds,
            [
                ("B", Kind::AmountMismatch, Some(200), Some(250)),
                ("C", Kind::GatewayOnly, Some(300), None),
                ("D", Kind::LedgerOnly, None, Some(400)),
            ]
        );
        assert_eq!(found[1].gateway_trade_no.as_deref(), Some("TC"));
        assert_eq!(found[2].gateway_trade_no.as_deref(), Some("TD"));
    }

    #[test]
    fn agreeing_books_have_no_difference_and_a_doubled_row_is_one() {
        assert!(compare(&[row("A", 100)], &[charge("A", 100)]).is_empty());
        assert!(compare(&[], &[]).is_empty());
        let doubled = compare(&[row("A", 100), row("A", 100)], &[charge("A", 100)]);
        assert_eq!(doubled.len(), 1);
        assert_eq!(doubled[0].kind, Kind::AmountMismatch);
        assert_eq!(doubled[0].gateway_fen, Some(200));
    }

    #[test]
    fn kinds_round_trip() {
        for k in [Kind::GatewayOnly, Kind::LedgerOnly, Kind::AmountMismatch] {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).expect("json"),
                serde_json::Value::String(k.as_str().into())
            );
        }
        assert_eq!(Kind::parse("other"), None);
    }
}
