//! The configuration file (`--config FILE` or `XIANFENG_CONFIG`), TOML. A flag beats the
//! environment, which beats the file, which beats the built-in default; docs/CONFIG.md
//! lists every setting. Unknown settings are refused, so a typo does not pass unnoticed.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub db: Option<String>,
    pub key_file: Option<PathBuf>,
    pub read_db: Option<String>,
    pub db_pool_size: Option<u32>,
    pub db_pool_timeout_seconds: Option<u64>,
    pub log_json: Option<bool>,
    #[serde(default)]
    pub serve: ServeSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSection {
    pub addr: Option<String>,
    pub max_body_mb: Option<usize>,
    pub request_timeout_seconds: Option<u64>,
    pub public_url: Option<String>,
    pub metrics_token: Option<String>,
    pub header_timeout_seconds: Option<u64>,
    pub connections_per_address: Option<usize>,
    pub require_second_factor: Option<bool>,
    pub trusted_proxies: Option<Vec<String>>,
    pub metrics_addr: Option<String>,
}

/// Reads the file, if one is named; the error names the file, line and setting.
pub fn load(path: Option<&Path>) -> Result<ConfigFile> {
    let Some(path) = path else {
        return Ok(ConfigFile::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("config file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_read_and_a_misspelt_one_is_refused_with_its_line() {
        let c: ConfigFile = toml::from_str(
            "db = \"postgres://db/xf\"\n[serve]\naddr = \"0.0.0.0:80\"\nmax_body_mb = 5\n\
             trusted_proxies = [\"10.0.0.0/8\", \"127.0.0.1\"]\n",
        )
        .unwrap();
        assert_eq!(c.db.as_deref(), Some("postgres://db/xf"));
        assert_eq!(c.serve.addr.as_deref(), Some("0.0.0.0:80"));
        assert_eq!(c.serve.max_body_mb, Some(5));
        assert_eq!(
            c.serve.trusted_proxies.as_deref(),
            Some(&["10.0.0.0/8".to_string(), "127.0.0.1".to_string()][..])
        );
        let e = toml::from_str::<ConfigFile>("[serve]\nadress = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("adress") && e.contains("line 2"), "{e}");
    }
}
