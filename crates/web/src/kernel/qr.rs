//! QR codes (二维码) for printed pages: an SVG drawn on the server, so that the page prints
//! with its code and no script or outside service is involved.

use qrcode::QrCode;
use qrcode::render::svg;

/// The address as an inline SVG, or nothing if it cannot be encoded (too long).
pub fn svg(url: &str) -> Option<String> {
    let code = QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<svg::Color>()
            .min_dimensions(160, 160)
            .quiet_zone(true)
            .build(),
    )
}

/// The absolute address of `path` on this site: the configured public address, else the
/// address the browser used.
pub fn absolute(public_url: Option<&str>, headers: &axum::http::HeaderMap, path: &str) -> String {
    let base = public_url
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| {
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        });
    format!("{base}{path}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_page_address_becomes_an_svg_code() {
        let s = super::svg("http://xianfeng.example/p/o/JZ-JF-001").unwrap();
        assert!(s.starts_with("<?xml") || s.starts_with("<svg"), "{s}");
        assert!(s.contains("<path") || s.contains("<rect"));
        let mut h = axum::http::HeaderMap::new();
        h.insert("host", "10.1.2.3:8080".parse().unwrap());
        assert_eq!(
            super::absolute(None, &h, "/p/o/B1"),
            "http://10.1.2.3:8080/p/o/B1"
        );
        assert_eq!(
            super::absolute(Some("https://cxzy.jz.gov/"), &h, "/p/o/B1"),
            "https://cxzy.jz.gov/p/o/B1"
        );
    }
}
