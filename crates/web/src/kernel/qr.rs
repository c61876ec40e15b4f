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

/// The absolute address of `path` at the site's configured public address; `None` when
/// none is configured. Never taken from the request's `Host` header: a forged header
/// would otherwise put its own address into every code printed from the page.
pub fn public_address(public_url: Option<&str>, path: &str) -> Option<String> {
    let base = public_url?.trim_end_matches('/');
    Some(format!("{base}{path}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_page_address_becomes_an_svg_code() {
        let s = super::svg("http://xianfeng.example/p/o/JZ-JF-001").unwrap();
        assert!(s.starts_with("<?xml") || s.starts_with("<svg"), "{s}");
        assert!(s.contains("<path") || s.contains("<rect"));
        assert_eq!(super::public_address(None, "/p/o/B1"), None);
        assert_eq!(
            super::public_address(Some("https://cxzy.jz.gov/"), "/p/o/B1").as_deref(),
            Some("https://cxzy.jz.gov/p/o/B1")
        );
    }
}
