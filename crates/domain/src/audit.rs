//! The audit trail (审计日志): who changed what, when, with the values before and after.
//! Entries form a hash chain: each entry's hash covers its content and the previous hash, so
//! changing, removing or reordering any entry breaks every hash after it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix milliseconds, UTC.
    pub at: i64,
    /// The account (or `system`) that made the change.
    pub actor: String,
    /// What was done, e.g. `org.create`, `member.update`, `campaign.create`.
    pub action: String,
    /// The kind of record changed, e.g. `organisation`.
    pub entity: String,
    /// Which record: a code or id.
    pub entity_key: String,
    /// JSON of the record before the change; `null` for a creation.
    pub before: String,
    /// JSON of the record after the change; `null` for a deletion.
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash of the entry from its content and `prev_hash`. Fields are length-prefixed
    /// so that no two different entries serialise to the same bytes.
    pub fn expected_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.prev_hash.as_str(),
            &self.id.to_string(),
            &self.at.to_string(),
            &self.actor,
            &self.action,
            &self.entity,
            &self.entity_key,
            &self.before,
            &self.after,
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// Checks a run of consecutive entries, given the hash before the first. Returns the id of
/// the first entry that does not fit, if any.
pub fn verify_chain<'a>(
    mut prev: String,
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<String, i64> {
    for e in entries {
        if e.prev_hash != prev || e.hash != e.expected_hash() {
            return Err(e.id);
        }
        prev = e.hash.clone();
    }
    Ok(prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|id| {
                let mut e = AuditEntry {
                    id,
                    at: 1_000 + id,
                    actor: "admin".into(),
                    action: "org.create".into(),
                    entity: "organisation".into(),
                    entity_key: format!("C{id}"),
                    before: "null".into(),
                    after: format!("{{\"name\":\"{id}\"}}"),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.expected_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_any_edit_is_found() {
        let entries = chain(5);
        assert!(verify_chain(GENESIS.into(), &entries).is_ok());
        let mut edited = entries.clone();
        edited[2].after = "{\"name\":\"forged\"}".into();
        assert_eq!(verify_chain(GENESIS.into(), &edited), Err(3));
        let mut removed = entries.clone();
        removed.remove(1);
        assert_eq!(verify_chain(GENESIS.into(), &removed), Err(3));
    }
}
