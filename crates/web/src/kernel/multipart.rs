//! Forms with files (`multipart/form-data`) posted by a signed-in account: read whole,
//! refused clearly when too large or broken, and the CSRF token checked, before a handler
//! sees anything — the `Posted` of forms with files.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::StatusCode;
use axum::response::Response;
use xianfeng_domain::i18n::t;

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::pages;
use crate::kernel::session::{SignedIn, same_secret};
use crate::kernel::viewer::Viewer;

/// One file of the form, with the name the browser gave it (shown, never a path).
pub struct FilePart {
    pub field: String,
    pub file_name: String,
    pub bytes: Bytes,
}

pub struct PostedFiles {
    pub viewer: Viewer,
    fields: HashMap<String, String>,
    files: Vec<FilePart>,
}

impl PostedFiles {
    /// A text field, trimmed of nothing; empty when absent.
    pub fn value(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }

    /// The non-empty files sent in `field`, as the services take them.
    pub fn uploads(&self, field: &str) -> Vec<xianfeng_app::files::Upload> {
        self.files(field)
            .map(|f| xianfeng_app::files::Upload {
                file_name: f.file_name.clone(),
                bytes: f.bytes.to_vec(),
            })
            .collect()
    }

    /// The non-empty files sent in `field`.
    pub fn files<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a FilePart> {
        self.files
            .iter()
            .filter(move |f| f.field == field && !f.bytes.is_empty())
    }
}

fn refuse(viewer: &Viewer, status: StatusCode, key: &str) -> Response {
    let chrome = Chrome::signed_in(viewer, "/".into());
    let message = t(viewer.lang(), &format!("web.{key}"), &[]);
    pages::message(&chrome, status, "commitment_refused", &message)
}

impl FromRequest<AppState> for PostedFiles {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let SignedIn(viewer) = SignedIn::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let Ok(mut multipart) = Multipart::from_request(req, state).await else {
            return Err(refuse(&viewer, StatusCode::BAD_REQUEST, "upload_broken"));
        };
        let failed = |status: StatusCode| {
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                refuse(&viewer, status, "upload_too_large")
            } else {
                refuse(&viewer, StatusCode::BAD_REQUEST, "upload_broken")
            }
        };
        let (mut fields, mut files) = (HashMap::new(), Vec::new());
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(failed(e.status())),
            };
            let name = field.name().unwrap_or_default().to_string();
            let file_name = field.file_name().map(str::to_string);
            let bytes = field.bytes().await.map_err(|e| failed(e.status()))?;
            match file_name {
                Some(file_name) => files.push(FilePart {
                    field: name,
                    file_name,
                    bytes,
                }),
                None => {
                    fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
        let csrf = fields.get("csrf").map_or("", String::as_str);
        if !same_secret(csrf, &viewer.session.csrf_token) {
            return Err(pages::csrf_refused(viewer.lang()));
        }
        Ok(PostedFiles {
            viewer,
            fields,
            files,
        })
    }
}
