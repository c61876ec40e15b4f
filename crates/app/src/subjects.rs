//! Subjects (评价对象): the four kinds that take part and are evaluated — organisations,
//! members, leadership teams and cadres — found by kind and id, with the organisations
//! that decide who may act for them.

use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{OrgRecord, Store};

use crate::AppError;

/// Whom a commitment is about, with the organisations that decide who may act on it.
#[derive(Debug, Clone)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: i64,
    pub name: String,
    /// The member, when the subject is one (a member account acts on its own only).
    pub member: Option<i64>,
    /// The subject's own organisation.
    pub org: OrgRecord,
    /// The organisation that approves and judges.
    pub superior: OrgRecord,
}

impl Subject {
    pub(crate) fn owner_target(&self) -> (xianfeng_domain::org::TreePath, Option<String>) {
        (self.org.tree_path(), self.org.sector.clone())
    }
}

async fn org(store: &Store, id: i64) -> Result<OrgRecord, AppError> {
    store
        .registry()
        .org_by_id(id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Finds a subject by kind and id.
pub async fn subject(store: &Store, kind: SubjectKind, id: i64) -> Result<Subject, AppError> {
    let (name, member, own) = match kind {
        SubjectKind::Organisation => {
            let o = org(store, id).await?;
            (o.name.clone(), None, o)
        }
        SubjectKind::Member => {
            let m = store
                .registry()
                .member(id)
                .await?
                .ok_or(AppError::NotFound)?;
            (m.name, Some(m.id), org(store, m.org_id).await?)
        }
        SubjectKind::Team => {
            let t = store.registry().team(id).await?.ok_or(AppError::NotFound)?;
            (t.name, None, org(store, t.org_id).await?)
        }
        SubjectKind::Cadre => {
            let c = store
                .registry()
                .cadre(id)
                .await?
                .ok_or(AppError::NotFound)?;
            let t = store
                .registry()
                .team(c.team_id)
                .await?
                .ok_or(AppError::NotFound)?;
            (c.name, None, org(store, t.org_id).await?)
        }
    };
    let superior = if kind == SubjectKind::Member {
        own.clone()
    } else {
        crate::scope::superior(store, &own).await?
    };
    Ok(Subject {
        kind,
        id,
        name,
        member,
        org: own,
        superior,
    })
}
