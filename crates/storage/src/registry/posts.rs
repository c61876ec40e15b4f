//! A cadre's post over time (任职变动): leaving it (离任) and moving to another team (调任).
//! A post is one row of `cadres`; what happened while it was held — commitments, reviews,
//! evaluations, scores — stays attached to that row. A move therefore ends one post and
//! starts another, and never rewrites the first.

use chrono::NaiveDate;
use xianfeng_domain::i18n::Message;

use super::teams::{CADRE_COLUMNS, cadre_from_row};
use crate::{CadreRecord, Registry, Result, StoreError, WriteTx, now_ms};

impl Registry<'_> {
    /// Those who held a post in the team and left it, latest first.
    pub async fn former_cadres_of_team(self, team_id: i64) -> Result<Vec<CadreRecord>> {
        sqlx::query(dynsql!(
            "SELECT {CADRE_COLUMNS} FROM cadres WHERE team_id = $1 AND left_on IS NOT NULL \
             ORDER BY left_on DESC, id"
        ))
        .bind(team_id)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(cadre_from_row)
        .collect()
    }
}

impl WriteTx {
    /// The post as this transaction sees it, locked where the database can.
    async fn post_now(&mut self, id: i64) -> Result<CadreRecord> {
        let lock = match self.dialect {
            crate::Dialect::Postgres => " FOR UPDATE",
            crate::Dialect::Sqlite => "",
        };
        let row = sqlx::query(dynsql!(
            "SELECT {CADRE_COLUMNS} FROM cadres WHERE id = $1{lock}"
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        let post = row
            .as_ref()
            .map(cadre_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(Message::of("store.no_cadre", &[])))?;
        if post.left_on.is_some() {
            return Err(StoreError::Conflict(Message::of("store.post_ended", &[])));
        }
        Ok(post)
    }

    /// Ends a post on `on` (离任): the cadre leaves the team's current list, its rankings
    /// and rounds; the principal leader's mark goes with her.
    pub async fn end_post(&mut self, id: i64, on: NaiveDate) -> Result<()> {
        let post = self.post_now(id).await?;
        sqlx::query("UPDATE cadres SET left_on = $1, is_head = 0, updated_at = $2 WHERE id = $3")
            .bind(on.to_string())
            .bind(now_ms())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        let before = serde_json::json!({ "is_head": post.is_head });
        let after = serde_json::json!({ "left_on": on, "is_head": false });
        self.record(
            "cadre.leave",
            "cadre",
            &id.to_string(),
            Some(&before),
            Some(&after),
        )
        .await
    }

    /// Moves a cadre to another team on `on` (调任): the old post ends, a new one starts
    /// in `to_team` with `position` (the same person: name, ID number, member record).
    /// Returns the new post's id.
    pub async fn move_post(
        &mut self,
        id: i64,
        on: NaiveDate,
        to_team: i64,
        position: &str,
        is_head: bool,
    ) -> Result<i64> {
        let post = self.post_now(id).await?;
        if post.team_id == to_team {
            return Err(StoreError::Invalid(Message::of(
                "store.post_same_team",
                &[],
            )));
        }
        // The team she moves to locked first, as adding a cadre locks it: the same person
        // added there at this moment is seen, and the move told the post is held (B13).
        self.lock_team_cadres(to_team).await?;
        let held: Option<(i64,)> = sqlx::query_as(
            "SELECT n.id FROM cadres n JOIN cadres o ON o.id_hash = n.id_hash \
             WHERE o.id = $1 AND n.team_id = $2",
        )
        .bind(id)
        .bind(to_team)
        .fetch_optional(&mut *self.tx)
        .await?;
        if held.is_some() {
            return Err(StoreError::Conflict(Message::of("store.post_held", &[])));
        }
        self.end_post(id, on).await?;
        let new_id = self.next_id("cadres").await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO cadres (id, team_id, name, gender, birth_year, id_hash, id_cipher, \
             id_masked, position, member_id, is_head, since, created_at, updated_at) \
             SELECT $1, $2, name, gender, birth_year, id_hash, id_cipher, id_masked, $3, \
             member_id, $4, $5, $6, $7 FROM cadres WHERE id = $8",
        )
        .bind(new_id)
        .bind(to_team)
        .bind(position.to_string())
        .bind(i64::from(is_head))
        .bind(on.to_string())
        .bind(now)
        .bind(now)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({
            "team_id": to_team, "name": post.name, "id_masked": post.id_masked,
            "position": position, "is_head": is_head, "since": on, "moved_from": id,
        });
        self.record::<(), _>(
            "cadre.create",
            "cadre",
            &new_id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        if is_head {
            self.take_head_mark(to_team, new_id).await?;
        }
        Ok(new_id)
    }

    /// Makes a cadre her team's principal leader (主要负责人); whoever held the mark loses it.
    pub async fn make_head(&mut self, id: i64) -> Result<()> {
        let post = self.post_now(id).await?;
        if post.is_head {
            return Ok(());
        }
        sqlx::query("UPDATE cadres SET is_head = 1, updated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        let before = serde_json::json!({ "is_head": false });
        let after = serde_json::json!({ "is_head": true });
        self.record_cadre_change(id, &before, &after).await?;
        self.take_head_mark(post.team_id, id).await
    }
}

impl Registry<'_> {
    /// Every post the person of post `id` has held, by the day it began: her history
    /// across teams.
    pub async fn posts_of_person(self, id: i64) -> Result<Vec<CadreRecord>> {
        sqlx::query(dynsql!(
            "SELECT {CADRE_COLUMNS} FROM cadres WHERE id_hash = \
             (SELECT id_hash FROM cadres WHERE id = $1) ORDER BY since, id"
        ))
        .bind(id)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(cadre_from_row)
        .collect()
    }
}
