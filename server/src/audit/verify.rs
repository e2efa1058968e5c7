//! `audit verify`: every chain row by row, the heads, and the signed checkpoints.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{AnyPool, Row};

use super::checkpoint::{checkpoint_hash, parse_heads, statement};
use super::{ANCHOR_KEY, Fields, GENESIS, LEGACY_CHAIN, anchor, row_hash};

/// A row dated this long before the last checkpoint should be in it: more than any
/// transaction lasts, plus clock differences between instances.
const SLACK_MS: i64 = 60_000;

/// The outcome of checking the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// Rows checked.
    pub rows: i64,
    /// Whether the trail is intact.
    pub ok: bool,
    /// The first row found broken (the earliest written; for a deleted row, its id).
    pub first_broken: Option<i64>,
    /// What is wrong there.
    pub problem: Option<String>,
}

/// A chain as read so far.
struct State {
    seq: i64,
    last_id: i64,
    hash: String,
    broken: bool,
}

impl Default for State {
    fn default() -> Self {
        Self {
            seq: 0,
            last_id: 0,
            hash: GENESIS.to_owned(),
            broken: false,
        }
    }
}

/// Failures found, each at a row; the one with the smallest id is reported.
#[derive(Default)]
struct Failures(Vec<(i64, String)>);

impl Failures {
    fn add(&mut self, id: i64, problem: String) {
        self.0.push((id, problem));
    }
}

/// Checks the checkpoints (each linked to the one before, its hash recomputing, signed
/// by the key of `ca_certificate`, and anchored when `CERTRENEW_AUDIT_KEY` is set),
/// then every chain (positions from 1 without gaps, each row's hash, each link to the
/// previous row of its chain), every chain's head, and that every head a checkpoint
/// signed is still there. Names the earliest written row found broken.
pub async fn verify_signed(
    pool: &AnyPool,
    ca_certificate: &[u8],
) -> Result<Verification, sqlx::Error> {
    const BATCH: i64 = 5_000;
    let mut failures = Failures::default();

    // 1. Checkpoints. Every head a checkpoint signed must still be there with that hash
    // (`signed`), and a row first covered by checkpoint K was written after checkpoint
    // K-1 read the heads, so it cannot be dated well before K-1 (`windows`).
    let mut signed: HashMap<(String, i64), (String, i64, i64)> = HashMap::new();
    let mut windows: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    let mut covered: HashMap<String, (i64, i64, i64)> = HashMap::new();
    let mut checkpoint_problem = None;
    let mut last_checkpoint: Option<(i64, i64)> = None;
    let mut prev_hash = GENESIS.to_owned();
    let checkpoints = sqlx::query(
        "SELECT id, at, prev_hash, heads, hash, signature, anchor FROM audit_checkpoints ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    for (n, row) in checkpoints.iter().enumerate() {
        let id: i64 = row.try_get("id")?;
        let at: i64 = row.try_get("at")?;
        let stored_prev: String = row.try_get("prev_hash")?;
        let heads_text: String = row.try_get("heads")?;
        let hash: String = row.try_get("hash")?;
        let signature: String = row.try_get("signature")?;
        let stored_anchor: Option<String> = row.try_get("anchor")?;
        let expected_id = n as i64 + 1;
        let statement = statement(id, &hash);
        let problem = if id != expected_id {
            Some(format!("audit checkpoint {expected_id} is missing"))
        } else if stored_prev != prev_hash {
            Some(format!(
                "audit checkpoint {id} does not point at checkpoint {}",
                id - 1
            ))
        } else if checkpoint_hash(&prev_hash, id, at, &heads_text) != hash {
            Some(format!(
                "audit checkpoint {id} was changed after it was signed"
            ))
        } else if !hex::decode(&signature).is_ok_and(|sig| {
            crate::ca::verify_statement(ca_certificate, statement.as_bytes(), &sig)
        }) {
            Some(format!(
                "audit checkpoint {id} does not carry the CA's signature: it was forged or rewritten"
            ))
        } else if ANCHOR_KEY.get().is_some()
            && stored_anchor.as_deref() != anchor(&statement).as_deref()
        {
            Some(format!(
                "audit checkpoint {id} does not carry the CERTRENEW_AUDIT_KEY anchor: the trail was rewritten, or written by a process without the key"
            ))
        } else {
            None
        };
        let heads = parse_heads(&heads_text);
        let (None, Some(heads)) = (problem.clone(), heads) else {
            checkpoint_problem =
                Some(problem.unwrap_or_else(|| format!("audit checkpoint {id} cannot be read")));
            break;
        };
        let not_before = last_checkpoint.map_or(i64::MIN, |(_, prev_at)| prev_at - SLACK_MS);
        for head in heads {
            if let Some(&(seq, last_id, cp)) = covered.get(&head.chain)
                && head.seq < seq
            {
                // A head only moves forward: a later checkpoint signing an older one
                // means rows were deleted from the end and the head set back.
                failures.add(
                    last_id,
                    format!(
                        "rows of chain {} up to row {last_id} (signed in audit checkpoint {cp}) are missing from the end: checkpoint {id} signed an older head",
                        head.chain
                    ),
                );
                continue;
            }
            windows
                .entry(head.chain.clone())
                .or_default()
                .push((head.seq, not_before));
            covered.insert(head.chain.clone(), (head.seq, head.last_id, id));
            if let Some((other, _, cp)) = signed.insert(
                (head.chain.clone(), head.seq),
                (head.hash.clone(), head.last_id, id),
            ) && other != head.hash
            {
                failures.add(
                    head.last_id,
                    format!(
                        "row {} was rewritten: audit checkpoints {cp} and {id} signed different rows at position {} of chain {}",
                        head.last_id, head.seq, head.chain
                    ),
                );
            }
        }
        last_checkpoint = Some((id, at));
        prev_hash = hash;
    }

    // 2. Every row, in the order written, each against the state of its chain.
    let mut chains: HashMap<String, State> = HashMap::new();
    let mut checked = 0;
    let mut after = 0;
    loop {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, subject, data, prev_hash, hash, chain, chain_seq, prev_id \
             FROM audit WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let at: i64 = row.try_get("at")?;
            let actor: String = row.try_get("actor")?;
            let action: String = row.try_get("action")?;
            let subject: String = row.try_get("subject")?;
            let data: String = row.try_get("data")?;
            let stored_prev: String = row.try_get("prev_hash")?;
            let hash: String = row.try_get("hash")?;
            let chain: String = row.try_get("chain")?;
            let seq: i64 = row.try_get("chain_seq")?;
            let prev_id: i64 = row.try_get("prev_id")?;
            after = id;
            checked += 1;
            let state = chains.entry(chain.clone()).or_default();
            if state.broken {
                continue;
            }
            let recomputed = row_hash(&Fields {
                chain: &chain,
                chain_seq: seq,
                prev_id,
                prev_hash: &stored_prev,
                id,
                at,
                actor: &actor,
                action: &action,
                subject: &subject,
                data: &data,
            });
            let problem = if recomputed != hash {
                Some((id, format!("row {id} was changed after it was written")))
            } else if seq > state.seq + 1 {
                // The row's own (intact) link names the row before it.
                Some((
                    prev_id,
                    format!(
                        "row {prev_id} is missing (row {id}, position {seq} of chain {chain}, follows it)"
                    ),
                ))
            } else if seq <= state.seq {
                Some((
                    id,
                    format!("row {id} was inserted: it repeats position {seq} of chain {chain}"),
                ))
            } else if stored_prev != state.hash
                || (chain != LEGACY_CHAIN && prev_id != state.last_id)
            {
                Some((
                    id,
                    format!(
                        "row {id} does not point at row {}, the previous row of chain {chain}",
                        state.last_id
                    ),
                ))
            } else {
                None
            };
            if let Some((at_id, problem)) = problem {
                failures.add(at_id, problem);
                state.broken = true;
                continue;
            }
            if let Some((signed_hash, _, cp)) = signed.remove(&(chain.clone(), seq))
                && signed_hash != hash
            {
                failures.add(
                    id,
                    format!(
                        "row {id} was rewritten: audit checkpoint {cp} signed another hash for it"
                    ),
                );
                state.broken = true;
                continue;
            }
            // The earliest this row can be dated: the checkpoint before the one that
            // first covers it (or before the next one, if none covers it yet).
            let not_before = windows
                .get(&chain)
                .and_then(|w| w.iter().find(|(upto, _)| *upto >= seq))
                .map(|(_, not_before)| *not_before)
                .or(last_checkpoint.map(|(_, cp_at)| cp_at - SLACK_MS));
            if let Some(not_before) = not_before
                && at < not_before
            {
                failures.add(
                    id,
                    format!("row {id} was inserted: it is dated before an audit checkpoint that does not contain it"),
                );
                state.broken = true;
                continue;
            }
            state.seq = seq;
            state.last_id = id;
            state.hash = hash;
        }
    }

    // 3. Every head a checkpoint signed still has its row.
    for ((chain, seq), (_, last_id, cp)) in &signed {
        match chains.get(chain) {
            None => failures.add(
                *last_id,
                format!(
                    "chain {chain} was deleted: its rows up to row {last_id} (signed in audit checkpoint {cp}) are missing from the end"
                ),
            ),
            Some(state) if !state.broken && state.seq < *seq => failures.add(
                *last_id,
                format!(
                    "rows of chain {chain} from position {} to row {last_id} (signed in audit checkpoint {cp}) are missing from the end",
                    state.seq + 1
                ),
            ),
            Some(_) => {}
        }
    }

    // 4. Every chain agrees with its head row (which names the last row written).
    let heads = sqlx::query("SELECT chain, last_seq, last_id, last_hash FROM audit_chains")
        .fetch_all(pool)
        .await?;
    let mut with_head = std::collections::HashSet::new();
    for row in &heads {
        let chain: String = row.try_get("chain")?;
        let last_seq: i64 = row.try_get("last_seq")?;
        let last_id: i64 = row.try_get("last_id")?;
        let last_hash: String = row.try_get("last_hash")?;
        let state = chains.get(&chain);
        with_head.insert(chain.clone());
        match state {
            Some(s) if s.broken => {}
            None if last_seq == 0 => {}
            None if covered.contains_key(&chain) => {}
            None => failures.add(
                last_id,
                format!("chain {chain} was deleted: its rows up to row {last_id} are missing from the end"),
            ),
            Some(s) if s.seq < last_seq => failures.add(
                last_id,
                format!(
                    "rows of chain {chain} from position {} to row {last_id} are missing from the end",
                    s.seq + 1
                ),
            ),
            Some(s) if s.seq > last_seq || s.hash != last_hash => failures.add(
                s.last_id,
                format!("the head of chain {chain} does not name its last row {}: it was set back", s.last_id),
            ),
            Some(_) => {}
        }
    }
    for (chain, state) in &chains {
        if !state.broken && !with_head.contains(chain) {
            failures.add(
                state.last_id,
                format!(
                    "chain {chain} has no head: its rows up to row {} were inserted",
                    state.last_id
                ),
            );
        }
    }

    let first = failures.0.into_iter().min_by_key(|(id, _)| *id);
    Ok(match (first, checkpoint_problem) {
        (Some((id, problem)), _) => Verification {
            rows: checked,
            ok: false,
            first_broken: Some(id),
            problem: Some(problem),
        },
        (None, Some(problem)) => Verification {
            rows: checked,
            ok: false,
            first_broken: None,
            problem: Some(problem),
        },
        (None, None) => Verification {
            rows: checked,
            ok: true,
            first_broken: None,
            problem: None,
        },
    })
}
