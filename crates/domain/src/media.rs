//! Evidence files (佐证材料): what kind a file really is, judged by its bytes, and photos
//! cleaned of what a phone writes into them (GPS position, camera, time, comments) before
//! they are stored. The uploaded name is never trusted for the kind, and never a path.

serialize_as_code!(FileKind);

/// The kinds of file accepted as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Pdf,
    /// .docx, .xlsx, .pptx (a zip container).
    OfficeOpenXml,
    /// .doc, .xls, .ppt (the older compound-file format).
    OfficeLegacy,
}

impl FileKind {
    pub fn is_image(self) -> bool {
        matches!(self, FileKind::Jpeg | FileKind::Png)
    }

    /// The type to serve the stored file with.
    pub fn content_type(self, extension: &str) -> &'static str {
        match (self, extension) {
            (FileKind::Jpeg, _) => "image/jpeg",
            (FileKind::Png, _) => "image/png",
            (FileKind::Pdf, _) => "application/pdf",
            (FileKind::OfficeOpenXml, "docx") => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            (FileKind::OfficeOpenXml, "xlsx") => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            (FileKind::OfficeLegacy, "doc") => "application/msword",
            (FileKind::OfficeLegacy, "xls") => "application/vnd.ms-excel",
            _ => "application/octet-stream",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpeg",
            FileKind::Png => "png",
            FileKind::Pdf => "pdf",
            FileKind::OfficeOpenXml => "ooxml",
            FileKind::OfficeLegacy => "ole",
        }
    }

    pub fn parse(s: &str) -> Option<FileKind> {
        [
            FileKind::Jpeg,
            FileKind::Png,
            FileKind::Pdf,
            FileKind::OfficeOpenXml,
            FileKind::OfficeLegacy,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The kind of a file by its first bytes, if it is one we accept.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some(FileKind::OfficeOpenXml)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some(FileKind::OfficeLegacy)
    } else {
        None
    }
}

/// The extensions a kind may carry; a file whose name and bytes disagree is refused.
pub fn extension_matches(kind: FileKind, extension: &str) -> bool {
    let ext = extension.to_ascii_lowercase();
    match kind {
        FileKind::Jpeg => matches!(ext.as_str(), "jpg" | "jpeg"),
        FileKind::Png => ext == "png",
        FileKind::Pdf => ext == "pdf",
        FileKind::OfficeOpenXml => matches!(ext.as_str(), "docx" | "xlsx" | "pptx"),
        FileKind::OfficeLegacy => matches!(ext.as_str(), "doc" | "xls" | "ppt"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed;

/// A photo without its metadata: for JPEG, the APP1 (Exif, XMP: GPS position, camera,
/// time), APP13 (IPTC) and comment segments are removed; for PNG, the eXIf, tEXt, zTXt,
/// iTXt and tIME chunks. The picture itself is not touched. Other kinds pass unchanged.
pub fn strip_metadata(kind: FileKind, bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    match kind {
        FileKind::Jpeg => strip_jpeg(bytes),
        FileKind::Png => strip_png(bytes),
        _ => Ok(bytes.to_vec()),
    }
}

fn strip_jpeg(b: &[u8]) -> Result<Vec<u8>, Malformed> {
    if b.len() < 2 {
        return Err(Malformed);
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut i = 2;
    loop {
        // Markers may be preceded by fill bytes 0xFF.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (b.get(i), b.get(i + 1)) else {
            return Err(Malformed);
        };
        // Markers without a length.
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            out.extend_from_slice(&b[i..i + 2]);
            i += 2;
            continue;
        }
        if marker == 0xD9 {
            out.extend_from_slice(&b[i..i + 2]);
            return Ok(out);
        }
        let len = match (b.get(i + 2), b.get(i + 3)) {
            (Some(&hi), Some(&lo)) => usize::from(hi) << 8 | usize::from(lo),
            _ => return Err(Malformed),
        };
        let end = i + 2 + len;
        if len < 2 || end > b.len() {
            return Err(Malformed);
        }
        // Start of scan: the picture data follows up to the end; nothing more to strip.
        if marker == 0xDA {
            out.extend_from_slice(&b[i..]);
            return Ok(out);
        }
        let metadata = matches!(marker, 0xE1 | 0xED | 0xFE);
        if !metadata {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
    }
}

fn strip_png(b: &[u8]) -> Result<Vec<u8>, Malformed> {
    if b.len() < 8 {
        return Err(Malformed);
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..8]);
    let mut i = 8;
    while i < b.len() {
        let header = b.get(i..i + 8).ok_or(Malformed)?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        let end = i
            .checked_add(12)
            .and_then(|x| x.checked_add(len))
            .ok_or(Malformed)?;
        if end > b.len() {
            return Err(Malformed);
        }
        let metadata = matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME");
        if !metadata {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if kind == b"IEND" {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let len = (payload.len() + 2) as u16;
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&len.to_be_bytes());
        s.extend_from_slice(payload);
        s
    }

    /// A JPEG as a phone writes it: JFIF, Exif with a GPS block, a comment, then the picture.
    fn phone_jpeg() -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        j.extend(segment(
            0xE1,
            b"Exif\0\0GPSLatitude 35.2155N GPSLongitude 113.2418E",
        ));
        j.extend(segment(0xFE, b"taken at home"));
        j.extend(segment(0xDB, &[0u8; 65]));
        j.extend(segment(0xDA, &[1, 2, 3]));
        j.extend_from_slice(&[0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]);
        j
    }

    #[test]
    fn a_photo_loses_its_position_and_keeps_its_picture() {
        let original = phone_jpeg();
        let clean = strip_metadata(FileKind::Jpeg, &original).unwrap();
        let text = String::from_utf8_lossy(&clean);
        assert!(!text.contains("GPS") && !text.contains("taken at home"));
        assert!(text.contains("JFIF"));
        // Everything from the start of scan on is unchanged.
        let scan = original.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        assert!(clean.ends_with(&original[scan..]));
        assert_eq!(sniff(&clean), Some(FileKind::Jpeg));
    }

    #[test]
    fn png_text_and_exif_chunks_are_dropped() {
        fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        }
        let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
        p.extend(chunk(b"IHDR", &[0; 13]));
        p.extend(chunk(b"eXIf", b"GPS 35N 113E"));
        p.extend(chunk(b"tEXt", b"Comment\0my house"));
        p.extend(chunk(b"IDAT", &[9; 20]));
        p.extend(chunk(b"IEND", &[]));
        let clean = strip_metadata(FileKind::Png, &p).unwrap();
        let text = String::from_utf8_lossy(&clean);
        assert!(!text.contains("GPS") && !text.contains("my house"));
        assert!(text.contains("IHDR") && text.contains("IDAT") && text.contains("IEND"));
    }

    #[test]
    fn broken_or_unknown_files_are_refused_not_guessed() {
        assert_eq!(sniff(b"MZ\x90\0 an executable"), None);
        assert_eq!(sniff(b"<html>"), None);
        let mut cut = phone_jpeg();
        cut.truncate(30);
        assert_eq!(strip_metadata(FileKind::Jpeg, &cut), Err(Malformed));
        assert_eq!(
            strip_metadata(FileKind::Png, b"\x89PNG\r\n\x1a\n\0\0\xff\xffIDAT"),
            Err(Malformed)
        );
        assert!(extension_matches(FileKind::Jpeg, "JPG"));
        assert!(!extension_matches(FileKind::Pdf, "jpg"));
        assert_eq!(sniff(b"%PDF-1.7"), Some(FileKind::Pdf));
    }

    proptest::proptest! {
        /// Whatever bytes arrive after a valid start, cleaning ends in a file or a refusal.
        #[test]
        fn cleaning_never_panics(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let mut jpeg = vec![0xFF, 0xD8, 0xFF];
            jpeg.extend_from_slice(&tail);
            let _ = strip_metadata(FileKind::Jpeg, &jpeg);
            let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
            png.extend_from_slice(&tail);
            let _ = strip_metadata(FileKind::Png, &png);
        }
    }
}
