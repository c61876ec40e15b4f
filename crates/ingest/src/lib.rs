//! Reading spreadsheets as officials have them: .xlsx (and old .xls) from Excel or WPS, and
//! .csv in UTF-8 (with or without BOM), GBK/GB18030 or UTF-16 ("Unicode text").
//!
//! A file is read on its own thread and handed over row by row through a bounded channel,
//! so a million-row sheet is parsed while the previous rows are being validated and written,
//! and memory stays flat.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use xianfeng_domain::dates::from_excel_serial;
use xianfeng_domain::i18n::Message;
pub use xianfeng_domain::sheet::Cell;

/// Why a file cannot be read. Each message says what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestError {
    Open(String),
    Empty,
    NotASpreadsheet,
    PasswordProtected,
    Encoding,
    Broken(String),
    NoHeader,
    /// Unpacked, the file would be larger than this many MB.
    TooBig {
        limit_mb: u64,
    },
    /// The sheet has more data rows than this.
    TooManyRows {
        limit: usize,
    },
    /// A row has a cell beyond this many columns.
    TooWide {
        row: usize,
        limit: usize,
    },
}

/// How much of a file we are willing to read: an .xlsx is a zip, and 1 MB of it can unpack
/// to a gigabyte; a sheet can declare a million columns in one row. Beyond these the file
/// is refused with a message that says which bound and what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes once unpacked: every part of an .xlsx together, a .csv's own size.
    pub unpacked_bytes: u64,
    /// Data rows (the header not counted).
    pub rows: usize,
    /// Columns: a cell beyond this is refused. Rosters have about twenty.
    pub columns: usize,
}

impl Limits {
    /// For uploads through the web: a city's whole roster fits (a 30,000-member sheet
    /// unpacks to about 15 MB), a bomb does not.
    pub const WEB: Limits = Limits {
        unpacked_bytes: 128 * 1024 * 1024,
        rows: 300_000,
        columns: 256,
    };
    /// For `xianfeng import` by the operator: a province's roster (the benchmark imports a
    /// million members) fits.
    pub const COMMAND_LINE: Limits = Limits {
        unpacked_bytes: 2 * 1024 * 1024 * 1024,
        rows: 5_000_000,
        columns: 256,
    };
}

impl IngestError {
    /// What is wrong with the file, to tell the person who sent it.
    pub fn message(&self) -> Message {
        match self {
            IngestError::Open(e) => Message::of("ingest.open", &[("error", e)]),
            IngestError::Empty => Message::of("ingest.empty", &[]),
            IngestError::NotASpreadsheet => Message::of("ingest.not_a_spreadsheet", &[]),
            IngestError::PasswordProtected => Message::of("ingest.password", &[]),
            IngestError::Encoding => Message::of("ingest.encoding", &[]),
            IngestError::Broken(e) => Message::of("ingest.broken", &[("error", e)]),
            IngestError::NoHeader => Message::of("ingest.no_header", &[]),
            IngestError::TooBig { limit_mb } => {
                Message::of("ingest.too_big", &[("limit", limit_mb)])
            }
            IngestError::TooManyRows { limit } => {
                Message::of("ingest.too_many_rows", &[("limit", limit)])
            }
            IngestError::TooWide { row, limit } => {
                Message::of("ingest.too_wide", &[("row", row), ("limit", limit)])
            }
        }
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().for_log())
    }
}

impl std::error::Error for IngestError {}

/// An open sheet: its header row, then data rows on demand. Row numbers are those Excel
/// shows (1-based, header included); blank rows are skipped.
pub struct SheetReader {
    pub headers: Vec<String>,
    rows: Receiver<Result<(usize, Vec<Cell>), IngestError>>,
    estimate: Arc<AtomicUsize>,
}

impl SheetReader {
    /// How many data rows the file declares, when it says (for a progress bar).
    pub fn estimated_rows(&self) -> Option<usize> {
        match self.estimate.load(Ordering::Relaxed) {
            0 => None,
            n => Some(n),
        }
    }
}

impl Iterator for SheetReader {
    type Item = Result<(usize, Vec<Cell>), IngestError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.rows.recv().ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Xlsx,
    Xls,
    Csv,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn sniff(path: &Path, head: &[u8]) -> Result<Format, IngestError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if head.is_empty() {
        return Err(IngestError::Empty);
    }
    if head.starts_with(ZIP_MAGIC) {
        return Ok(Format::Xlsx);
    }
    if head.starts_with(OLE_MAGIC) {
        // An encrypted .xlsx is an OLE container; so is a real old .xls.
        return if ext == "xls" {
            Ok(Format::Xls)
        } else {
            Err(IngestError::PasswordProtected)
        };
    }
    let looks_binary = head.iter().take(4096).filter(|b| **b == 0).count() > 0
        && !(head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]));
    if looks_binary || matches!(ext.as_str(), "xlsx" | "xls" | "pdf" | "doc" | "docx") {
        return Err(IngestError::NotASpreadsheet);
    }
    Ok(Format::Csv)
}

/// Opens a spreadsheet file and starts reading it, within `limits`.
pub fn open(path: &Path, limits: &Limits) -> Result<SheetReader, IngestError> {
    let mut head = Vec::with_capacity(8192);
    File::open(path)
        .and_then(|f| f.take(8192).read_to_end(&mut head))
        .map_err(|e| IngestError::Open(e.to_string()))?;
    let too_big = IngestError::TooBig {
        limit_mb: limits.unpacked_bytes / (1024 * 1024),
    };
    match sniff(path, &head)? {
        Format::Csv => {
            let size = std::fs::metadata(path)
                .map_err(|e| IngestError::Open(e.to_string()))?
                .len();
            if size > limits.unpacked_bytes {
                return Err(too_big);
            }
            let bytes = std::fs::read(path).map_err(|e| IngestError::Open(e.to_string()))?;
            csv_within(bytes, *limits)
        }
        Format::Xlsx => {
            check_unpacked_size(path, limits.unpacked_bytes)?;
            start(path.to_path_buf(), read_xlsx, *limits)
        }
        Format::Xls => {
            // An .xls is not compressed: what is on disk is what is read.
            let size = std::fs::metadata(path)
                .map_err(|e| IngestError::Open(e.to_string()))?
                .len();
            if size > limits.unpacked_bytes {
                return Err(too_big);
            }
            start(path.to_path_buf(), read_xls, *limits)
        }
    }
}

/// Unpacks every part of an .xlsx without keeping it, counting bytes, and stops at the
/// limit: the sizes a zip declares can lie, so they are not trusted.
fn check_unpacked_size(path: &Path, limit: u64) -> Result<(), IngestError> {
    let too_big = || IngestError::TooBig {
        limit_mb: limit / (1024 * 1024),
    };
    let file = File::open(path).map_err(|e| IngestError::Open(e.to_string()))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| IngestError::Broken(e.to_string()))?;
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|e| IngestError::Broken(e.to_string()))?;
        if total.saturating_add(part.size()) > limit {
            return Err(too_big());
        }
        loop {
            let n = part
                .read(&mut buf)
                .map_err(|e| IngestError::Broken(e.to_string()))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > limit {
                return Err(too_big());
            }
        }
    }
    Ok(())
}

type Sender = SyncSender<Result<(usize, Vec<Cell>), IngestError>>;

/// Runs `read` on a thread; the first message it sends is the header row.
fn start(
    path: std::path::PathBuf,
    read: fn(&Path, &mut RowSink<'_>, &AtomicUsize) -> Result<(), IngestError>,
    limits: Limits,
) -> Result<SheetReader, IngestError> {
    let (tx, rx) = sync_channel(4096);
    let estimate = Arc::new(AtomicUsize::new(0));
    let shared = estimate.clone();
    std::thread::spawn(move || {
        let mut sink = RowSink::new(&tx, limits);
        if let Err(e) = read(&path, &mut sink, &shared) {
            let _ = tx.send(Err(e));
        }
    });
    finish_open(rx, estimate)
}

fn finish_open(
    rx: Receiver<Result<(usize, Vec<Cell>), IngestError>>,
    estimate: Arc<AtomicUsize>,
) -> Result<SheetReader, IngestError> {
    match rx.recv() {
        Ok(Ok((_, header))) => {
            let headers: Vec<String> = header.iter().map(Cell::to_text).collect();
            if headers.iter().all(String::is_empty) {
                return Err(IngestError::NoHeader);
            }
            Ok(SheetReader {
                headers,
                rows: rx,
                estimate,
            })
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(IngestError::Empty),
    }
}

/// Sends rows, skipping blank ones and any blank rows before the header, and stops with
/// an error at the limits.
struct RowSink<'a> {
    tx: &'a Sender,
    seen_header: bool,
    /// Rows sent, the header included.
    sent: usize,
    limits: Limits,
}

impl<'a> RowSink<'a> {
    fn new(tx: &'a Sender, limits: Limits) -> RowSink<'a> {
        RowSink {
            tx,
            seen_header: false,
            sent: 0,
            limits,
        }
    }

    /// Whether a cell at this column (0-based) is within the limits; on `false` the
    /// error has been sent and reading must stop.
    fn column_fits(&mut self, number: usize, column: usize) -> bool {
        if column < self.limits.columns {
            return true;
        }
        let limit = self.limits.columns;
        let _ = self
            .tx
            .send(Err(IngestError::TooWide { row: number, limit }));
        false
    }

    /// Returns false when reading must stop: the receiver has gone away, or the rows
    /// have reached the limit (the error has been sent).
    fn send(&mut self, number: usize, cells: Vec<Cell>) -> bool {
        if cells.iter().all(Cell::is_empty) {
            return true;
        }
        // Trailing empty cells (a wide range, commas at the end of a line) do not count.
        let width = cells
            .iter()
            .rposition(|c| !c.is_empty())
            .map_or(0, |i| i + 1);
        if width > self.limits.columns {
            return self.column_fits(number, width - 1);
        }
        if self.sent > self.limits.rows {
            let limit = self.limits.rows;
            let _ = self.tx.send(Err(IngestError::TooManyRows { limit }));
            return false;
        }
        self.seen_header = true;
        self.sent += 1;
        self.tx.send(Ok((number, cells))).is_ok()
    }
}

fn read_xlsx(
    path: &Path,
    sink: &mut RowSink<'_>,
    estimate: &AtomicUsize,
) -> Result<(), IngestError> {
    use calamine::{DataRef, Reader, Xlsx};
    let mut book: Xlsx<BufReader<File>> = calamine::open_workbook(path)
        .map_err(|e: calamine::XlsxError| IngestError::Broken(e.to_string()))?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(IngestError::Empty)?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|e| IngestError::Broken(e.to_string()))?;
    let dims = cells.dimensions();
    estimate.store(
        (dims.end.0.saturating_sub(dims.start.0)) as usize,
        Ordering::Relaxed,
    );
    let mut current_row: Option<u32> = None;
    let mut row: Vec<Cell> = Vec::new();
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| IngestError::Broken(e.to_string()))?
    {
        let (r, c) = cell.get_position();
        if current_row != Some(r) {
            if let Some(prev) = current_row
                && !sink.send(prev as usize + 1, std::mem::take(&mut row))
            {
                return Ok(());
            }
            current_row = Some(r);
        }
        let value = match cell.get_value() {
            DataRef::Int(i) => Cell::Number(*i as f64),
            DataRef::Float(f) => Cell::Number(*f),
            DataRef::String(s) => Cell::Text(s.clone()),
            DataRef::SharedString(s) => Cell::Text((*s).to_string()),
            DataRef::Bool(b) => Cell::Bool(*b),
            DataRef::DateTime(d) => from_excel_serial(d.as_f64())
                .map(Cell::Date)
                .unwrap_or(Cell::Number(d.as_f64())),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::Text(s.clone()),
            DataRef::Error(e) => Cell::Error(e.to_string()),
            DataRef::Empty => Cell::Empty,
        };
        let c = c as usize;
        if !sink.column_fits(r as usize + 1, c) {
            return Ok(());
        }
        if row.len() <= c {
            row.resize(c + 1, Cell::Empty);
        }
        row[c] = value;
    }
    if let Some(prev) = current_row {
        sink.send(prev as usize + 1, row);
    }
    if !sink.seen_header {
        return Err(IngestError::Empty);
    }
    Ok(())
}

fn read_xls(
    path: &Path,
    sink: &mut RowSink<'_>,
    estimate: &AtomicUsize,
) -> Result<(), IngestError> {
    use calamine::{Data, Reader, Xls};
    let mut book: Xls<BufReader<File>> =
        calamine::open_workbook(path).map_err(|e: calamine::XlsError| match e {
            calamine::XlsError::Password => IngestError::PasswordProtected,
            e => IngestError::Broken(e.to_string()),
        })?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(IngestError::Empty)?;
    let range = book
        .worksheet_range(&first)
        .map_err(|e| IngestError::Broken(e.to_string()))?;
    let (start_row, _) = range.start().unwrap_or((0, 0));
    estimate.store(range.height().saturating_sub(1), Ordering::Relaxed);
    for (i, r) in range.rows().enumerate() {
        let cells = r
            .iter()
            .map(|d| match d {
                Data::Int(i) => Cell::Number(*i as f64),
                Data::Float(f) => Cell::Number(*f),
                Data::String(s) => Cell::Text(s.clone()),
                Data::Bool(b) => Cell::Bool(*b),
                Data::DateTime(d) => from_excel_serial(d.as_f64())
                    .map(Cell::Date)
                    .unwrap_or(Cell::Number(d.as_f64())),
                Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
                Data::Error(e) => Cell::Error(e.to_string()),
                Data::Empty => Cell::Empty,
            })
            .collect();
        if !sink.send(start_row as usize + i + 1, cells) {
            return Ok(());
        }
    }
    if !sink.seen_header {
        return Err(IngestError::Empty);
    }
    Ok(())
}

/// Decodes CSV bytes: UTF-8 (BOM optional), UTF-16 with BOM, else GB18030 (a superset of
/// GBK and GB2312). Bytes that fit none are refused rather than guessed.
pub fn decode_text(bytes: &[u8]) -> Result<(String, u8), IngestError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_string(), delimiter(s)))
            .map_err(|_| IngestError::Encoding);
    }
    for enc in [encoding_rs::UTF_16LE, encoding_rs::UTF_16BE] {
        let bom: &[u8] = if enc == encoding_rs::UTF_16LE {
            &[0xFF, 0xFE]
        } else {
            &[0xFE, 0xFF]
        };
        if bytes.starts_with(bom) {
            let (text, had_errors) = enc.decode_without_bom_handling(&bytes[2..]);
            if had_errors {
                return Err(IngestError::Encoding);
            }
            let s = text.into_owned();
            let d = delimiter(&s);
            return Ok((s, d));
        }
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), delimiter(s)));
    }
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(s) => {
            let s = s.into_owned();
            let d = delimiter(&s);
            Ok((s, d))
        }
        None => Err(IngestError::Encoding),
    }
}

/// Comma, unless the first line has tabs and no commas (Excel's "Unicode text" export).
fn delimiter(s: &str) -> u8 {
    let first = s.lines().next().unwrap_or("");
    if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    }
}

/// Reads CSV from bytes already in memory, within the web's limits.
pub fn from_csv_bytes(bytes: Vec<u8>) -> Result<SheetReader, IngestError> {
    csv_within(bytes, Limits::WEB)
}

fn csv_within(bytes: Vec<u8>, limits: Limits) -> Result<SheetReader, IngestError> {
    if bytes.is_empty() {
        return Err(IngestError::Empty);
    }
    let (text, delim) = decode_text(&bytes)?;
    drop(bytes);
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    let estimate = Arc::new(AtomicUsize::new(lines.saturating_sub(1)));
    let (tx, rx) = sync_channel(4096);
    std::thread::spawn(move || {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delim)
            .from_reader(text.as_bytes());
        let mut sink = RowSink::new(&tx, limits);
        // The csv crate does not count blank lines; Excel does. Row numbers come from the
        // byte offset instead, so they match what the user sees when opening the file.
        let newlines: Vec<usize> = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i)
            .collect();
        for rec in reader.records() {
            match rec {
                Ok(rec) => {
                    let mut byte = rec.position().map_or(0, |p| p.byte() as usize);
                    // The position may point at blank lines skipped before the record.
                    while matches!(text.as_bytes().get(byte), Some(b'\n' | b'\r')) {
                        byte += 1;
                    }
                    let line = newlines.partition_point(|&i| i < byte) + 1;
                    let cells = rec
                        .iter()
                        .map(|s| {
                            if s.trim().is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text(s.to_string())
                            }
                        })
                        .collect();
                    if !sink.send(line, cells) {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(IngestError::Broken(e.to_string())));
                    return;
                }
            }
        }
        if !sink.seen_header {
            let _ = tx.send(Err(IngestError::Empty));
        }
    });
    finish_open(rx, estimate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(r: SheetReader) -> Vec<(usize, Vec<String>)> {
        r.map(|x| {
            let (n, cells) = x.unwrap();
            (n, cells.iter().map(Cell::to_text).collect())
        })
        .collect()
    }

    #[test]
    fn csv_in_utf8_with_bom_gbk_and_utf16() {
        let text = "组织编码,组织名称\nA1,解放区委\n\nA2,\"名称,带逗号\"\n";
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend(text.as_bytes());
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let mut utf16 = vec![0xFF, 0xFE];
        for u in text.replace(',', "\t").encode_utf16() {
            utf16.extend(u.to_le_bytes());
        }
        for (bytes, quoted) in [
            (text.as_bytes().to_vec(), "名称,带逗号"),
            (bom, "名称,带逗号"),
            (gbk.into_owned(), "名称,带逗号"),
            (utf16, "名称 带逗号"),
        ] {
            let r = from_csv_bytes(bytes).unwrap();
            assert_eq!(r.headers, vec!["组织编码", "组织名称"]);
            let got = rows(r);
            assert_eq!(got.len(), 2);
            assert_eq!(got[0], (2, vec!["A1".to_string(), "解放区委".to_string()]));
            assert_eq!(got[1].0, 4, "row numbers count the blank line");
            assert_eq!(got[1].1[1], quoted);
        }
    }

    #[test]
    fn bad_files_get_clear_errors() {
        assert_eq!(from_csv_bytes(vec![]).err(), Some(IngestError::Empty));
        assert_eq!(
            from_csv_bytes(vec![0x81, 0x20, 0xFF, 0xFF]).err(),
            Some(IngestError::Encoding)
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.xlsx");
        std::fs::write(&p, b"this is not a workbook").unwrap();
        assert_eq!(
            open(&p, &Limits::WEB).err(),
            Some(IngestError::NotASpreadsheet)
        );
        std::fs::write(&p, OLE_MAGIC).unwrap();
        assert_eq!(
            open(&p, &Limits::WEB).err(),
            Some(IngestError::PasswordProtected)
        );
        let zip = dir.path().join("broken.xlsx");
        std::fs::write(&zip, b"PK\x03\x04garbage").unwrap();
        assert!(matches!(
            open(&zip, &Limits::WEB).err(),
            Some(IngestError::Broken(_))
        ));
        let png = dir.path().join("photo.csv");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
        assert_eq!(
            open(&png, &Limits::WEB).err(),
            Some(IngestError::NotASpreadsheet)
        );
    }

    #[test]
    fn xlsx_cells_keep_their_types() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "姓名").unwrap();
        ws.write_string(0, 1, "手机号").unwrap();
        ws.write_string(0, 2, "入党时间").unwrap();
        ws.write_string(2, 0, "王芳").unwrap();
        ws.write_number(2, 1, 13800138000.0).unwrap();
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2010, 5, 1).unwrap();
        ws.write_datetime_with_format(2, 2, &date, &fmt).unwrap();
        wb.save(&p).unwrap();
        let r = open(&p, &Limits::WEB).unwrap();
        assert_eq!(r.headers, vec!["姓名", "手机号", "入党时间"]);
        let all: Vec<_> = r.map(Result::unwrap).collect();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].0, 3);
        assert_eq!(all[0].1[1], Cell::Number(13800138000.0));
        assert_eq!(
            all[0].1[2],
            Cell::Date(chrono::NaiveDate::from_ymd_opt(2010, 5, 1).unwrap())
        );
    }

    const SMALL: Limits = Limits {
        unpacked_bytes: 1024 * 1024,
        rows: 3,
        columns: 5,
    };

    fn first_error(r: Result<SheetReader, IngestError>) -> Option<IngestError> {
        match r {
            Err(e) => Some(e),
            Ok(rows) => rows.filter_map(Result::err).next(),
        }
    }

    #[test]
    fn a_workbook_that_unpacks_past_the_limit_is_refused_before_it_is_parsed() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let bomb = dir.path().join("bomb.xlsx");
        let mut zip = zip::ZipWriter::new(File::create(&bomb).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/sharedStrings.xml", opts).unwrap();
        let zeros = vec![b'0'; 64 * 1024];
        for _ in 0..40 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
        assert!(
            std::fs::metadata(&bomb).unwrap().len() < 64 * 1024,
            "small on disk"
        );
        assert_eq!(
            open(&bomb, &SMALL).err(),
            Some(IngestError::TooBig { limit_mb: 1 })
        );
    }

    #[test]
    fn rows_and_columns_past_the_limits_are_refused_with_where() {
        let many = "a,b\n1,2\n3,4\n5,6\n7,8\n";
        assert_eq!(
            first_error(csv_within(many.into(), SMALL)),
            Some(IngestError::TooManyRows { limit: 3 })
        );
        let fits = "a,b\n1,2\n3,4\n5,6\n";
        assert_eq!(first_error(csv_within(fits.into(), SMALL)), None);
        let wide = "a,b\n1,2\n1,2,3,4,5,6\n";
        assert_eq!(
            first_error(csv_within(wide.into(), SMALL)),
            Some(IngestError::TooWide { row: 3, limit: 5 })
        );
        // Empty cells at the end of a line are not columns.
        let commas = "a,b\n1,2,,,,,,,,,,\n";
        assert_eq!(first_error(csv_within(commas.into(), SMALL)), None);

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("wide.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "姓名").unwrap();
        ws.write_string(1, 0, "王芳").unwrap();
        ws.write_string(1, 16000, "far to the right").unwrap();
        wb.save(&p).unwrap();
        assert_eq!(
            first_error(open(&p, &SMALL)),
            Some(IngestError::TooWide { row: 2, limit: 5 })
        );
        let csv = dir.path().join("big.csv");
        std::fs::write(&csv, vec![b'a'; 2 * 1024 * 1024]).unwrap();
        assert_eq!(
            open(&csv, &SMALL).err(),
            Some(IngestError::TooBig { limit_mb: 1 })
        );
    }
}
