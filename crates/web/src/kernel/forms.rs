//! Posted forms as the handlers read them.

use std::collections::HashMap;

use serde::Deserialize;

use crate::kernel::session::CarriesCsrf;

/// A form as name → value, for forms with numbered rows.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct Fields(HashMap<String, String>);

impl CarriesCsrf for Fields {
    fn csrf(&self) -> &str {
        self.0.get("csrf").map_or("", String::as_str)
    }
}

impl Fields {
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.trim()))
    }

    pub fn value(&self, k: &str) -> &str {
        self.0.get(k).map_or("", |v| v.trim())
    }

    /// A value exactly as typed, spaces included (a draw's seed input is taken as entered).
    pub fn value_raw(&self, k: &str) -> &str {
        self.0.get(k).map_or("", String::as_str)
    }

    /// Whether this is the post that answered yes to a [`Confirm`](super::pages::Confirm)
    /// question.
    pub fn confirmed(&self) -> bool {
        self.value("confirmed") == "1"
    }
}
