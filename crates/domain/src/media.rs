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
/// time), APP13 (IPTC) and comment segments are removed — except the Exif orientation,
/// kept alone in a small Exif block of its own, since a phone stores an upright photo's
/// pixels on their side and lets that tag turn them; for PNG, the eXIf, tEXt, zTXt, iTXt
/// and tIME chunks. The picture itself is not touched. Other kinds pass unchanged.
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
    let mut kept_orientation = false;
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
        } else if marker == 0xE1
            && !kept_orientation
            && let Some(turn) = exif_orientation(&b[i + 4..end])
        {
            out.extend_from_slice(&orientation_segment(turn));
            kept_orientation = true;
        }
        i = end;
    }
}

/// The orientation (1–8) an Exif block's first directory gives, if it gives one.
fn exif_orientation(payload: &[u8]) -> Option<u16> {
    let tiff = payload.strip_prefix(b"Exif\0\0")?;
    let big = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let two: [u8; 2] = tiff.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(two)
        } else {
            u16::from_le_bytes(two)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let four: [u8; 4] = tiff.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(four)
        } else {
            u32::from_le_bytes(four)
        })
    };
    let directory = usize::try_from(u32_at(4)?).ok()?;
    let entries = usize::from(u16_at(directory)?);
    (0..entries).find_map(|n| {
        let entry = directory.checked_add(2)?.checked_add(n.checked_mul(12)?)?;
        // Tag 0x0112 (Orientation), type SHORT, one value, held in the entry itself.
        if u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3 && u32_at(entry + 4)? == 1 {
            u16_at(entry + 8).filter(|o| (1..=8).contains(o))
        } else {
            None
        }
    })
}

/// An APP1 segment with an Exif block holding the orientation and nothing else.
fn orientation_segment(turn: u16) -> Vec<u8> {
    let mut payload = b"Exif\0\0MM\0\x2A".to_vec();
    payload.extend_from_slice(&8u32.to_be_bytes()); // the directory follows the header
    payload.extend_from_slice(&1u16.to_be_bytes()); // one entry
    payload.extend_from_slice(&0x0112u16.to_be_bytes());
    payload.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    payload.extend_from_slice(&1u32.to_be_bytes()); // one value
    payload.extend_from_slice(&turn.to_be_bytes());
    payload.extend_from_slice(&[0, 0]); // padding of the value field
    payload.extend_from_slice(&0u32.to_be_bytes()); // no next directory
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    segment.extend_from_slice(&payload);
    segment
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

    /// An Exif block as a phone writes it (Intel byte order): the camera's make, the
    /// orientation (6: turn 90° clockwise to show) and a pointer to the GPS directory.
    fn phone_exif(orientation: u16) -> Vec<u8> {
        let mut tiff = b"II\x2A\0".to_vec();
        tiff.extend_from_slice(&8u32.to_le_bytes());
        tiff.extend_from_slice(&3u16.to_le_bytes());
        // Make (ASCII, 6 bytes, stored after the directory).
        tiff.extend_from_slice(&0x010Fu16.to_le_bytes());
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&6u32.to_le_bytes());
        tiff.extend_from_slice(&50u32.to_le_bytes());
        // Orientation.
        tiff.extend_from_slice(&0x0112u16.to_le_bytes());
        tiff.extend_from_slice(&3u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&orientation.to_le_bytes());
        tiff.extend_from_slice(&[0, 0]);
        // GPS directory pointer.
        tiff.extend_from_slice(&0x8825u16.to_le_bytes());
        tiff.extend_from_slice(&4u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&56u32.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.extend_from_slice(b"Apple\0GPSLatitude 35.2155N");
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend_from_slice(&tiff);
        payload
    }

    #[test]
    fn a_phone_photo_keeps_its_orientation_and_nothing_else() {
        let mut original = vec![0xFF, 0xD8];
        original.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        original.extend(segment(0xE1, &phone_exif(6)));
        original.extend(segment(0xDA, &[1, 2, 3]));
        original.extend_from_slice(&[0x12, 0xFF, 0xD9]);
        let clean = strip_metadata(FileKind::Jpeg, &original).unwrap();
        let text = String::from_utf8_lossy(&clean);
        assert!(!text.contains("GPS") && !text.contains("Apple"), "{text}");
        // The orientation survives, in an Exif block a viewer reads.
        let app1 = clean
            .windows(2)
            .position(|w| w == [0xFF, 0xE1])
            .expect("an Exif block");
        let len = usize::from(clean[app1 + 2]) << 8 | usize::from(clean[app1 + 3]);
        assert_eq!(exif_orientation(&clean[app1 + 4..app1 + 2 + len]), Some(6));
        assert_eq!(sniff(&clean), Some(FileKind::Jpeg));
        // Exif without an orientation: no Exif block at all afterwards.
        let plain = strip_metadata(FileKind::Jpeg, &phone_jpeg()).unwrap();
        assert!(!plain.windows(2).any(|w| w == [0xFF, 0xE1]));
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
