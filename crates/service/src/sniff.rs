//! Recognises the type of an uploaded file from its bytes, as they stream
//! in. The client's claimed type is never trusted; anything not on the
//! allowlist (PDF, common images, plain text, common office documents) is refused.

/// Bytes kept from the start of the file for magic numbers.
const HEAD: usize = 512;
/// Overlap kept between chunks so a marker split across two is still found.
const OVERLAP: usize = 64;

/// Incremental sniffer: [`Sniffer::feed`] every chunk, then [`Sniffer::finish`].
#[derive(Default)]
pub struct Sniffer {
    head: Vec<u8>,
    tail: Vec<u8>,
    /// Office Open XML / OpenDocument part names seen inside a ZIP.
    zip_word: bool,
    zip_excel: bool,
    zip_powerpoint: bool,
    odf: Option<&'static str>,
    /// Still plain UTF-8 text without control characters?
    text: bool,
    /// An incomplete UTF-8 sequence carried to the next chunk.
    utf8_carry: Vec<u8>,
    started: bool,
}

impl Sniffer {
    /// A new sniffer.
    pub fn new() -> Self {
        Sniffer { text: true, ..Default::default() }
    }

    /// Looks at the next chunk of the file.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.started = true;
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        // Part names matter only inside ZIP containers; skip the scan otherwise.
        if self.head.starts_with(b"PK") {
            let mut window = std::mem::take(&mut self.tail);
            window.extend_from_slice(chunk);
            self.scan_zip_names(&window);
            let keep = window.len().saturating_sub(OVERLAP);
            self.tail = window[keep..].to_vec();
        }
        if self.text {
            self.check_text(chunk);
        }
    }

    fn scan_zip_names(&mut self, window: &[u8]) {
        let has = |needle: &[u8]| window.windows(needle.len()).any(|w| w == needle);
        self.zip_word |= has(b"word/document.xml");
        self.zip_excel |= has(b"xl/workbook.xml");
        self.zip_powerpoint |= has(b"ppt/presentation.xml");
        if self.odf.is_none() {
            for (marker, mime) in [
                (&b"mimetypeapplication/vnd.oasis.opendocument.text"[..], "application/vnd.oasis.opendocument.text"),
                (
                    b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
                    "application/vnd.oasis.opendocument.spreadsheet",
                ),
                (
                    b"mimetypeapplication/vnd.oasis.opendocument.presentation",
                    "application/vnd.oasis.opendocument.presentation",
                ),
            ] {
                if has(marker) {
                    self.odf = Some(mime);
                }
            }
        }
    }

    fn check_text(&mut self, chunk: &[u8]) {
        let mut bytes = std::mem::take(&mut self.utf8_carry);
        bytes.extend_from_slice(chunk);
        // Text has no control characters but tab, line breaks and form feed.
        if bytes.iter().any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)) || b == 0x7f) {
            self.text = false;
            return;
        }
        match std::str::from_utf8(&bytes) {
            Ok(_) => {}
            // An error at the very end may be a sequence cut by the chunk boundary.
            Err(e) if e.error_len().is_none() => self.utf8_carry = bytes[e.valid_up_to()..].to_vec(),
            Err(_) => self.text = false,
        }
    }

    /// The media type, or `None` when the file is not allowed. `file_name`
    /// only chooses between Word, Excel and PowerPoint for legacy binary
    /// documents, whose container is the same.
    pub fn finish(self, file_name: &str) -> Option<&'static str> {
        let h = &self.head[..];
        if !self.started || h.is_empty() {
            return None;
        }
        if h.starts_with(b"%PDF-") {
            return Some("application/pdf");
        }
        if h.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Some("image/png");
        }
        if h.starts_with(b"\xff\xd8\xff") {
            return Some("image/jpeg");
        }
        if h.starts_with(b"GIF87a") || h.starts_with(b"GIF89a") {
            return Some("image/gif");
        }
        if h.len() >= 12 && &h[..4] == b"RIFF" && &h[8..12] == b"WEBP" {
            return Some("image/webp");
        }
        if h.len() >= 12 && &h[4..8] == b"ftyp" && matches!(&h[8..12], b"heic" | b"heix" | b"hevc" | b"mif1" | b"msf1")
        {
            return Some("image/heic");
        }
        if h.starts_with(b"II*\0") || h.starts_with(b"MM\0*") {
            return Some("image/tiff");
        }
        if h.len() >= 14 && h.starts_with(b"BM") {
            return Some("image/bmp");
        }
        if h.starts_with(b"{\\rtf") {
            return Some("application/rtf");
        }
        if h.starts_with(b"PK\x03\x04") {
            return if self.zip_word {
                Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            } else if self.zip_excel {
                Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            } else if self.zip_powerpoint {
                Some("application/vnd.openxmlformats-officedocument.presentationml.presentation")
            } else {
                self.odf
            };
        }
        if h.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
            let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
            return match ext.as_str() {
                "doc" => Some("application/msword"),
                "xls" => Some("application/vnd.ms-excel"),
                "ppt" => Some("application/vnd.ms-powerpoint"),
                _ => None,
            };
        }
        if self.text && self.utf8_carry.is_empty() && !looks_like_markup(h) {
            return Some("text/plain");
        }
        None
    }
}

/// HTML and SVG are text, but not documents a patient or clinic exchanges;
/// refusing them removes a whole class of stored-script risks.
fn looks_like_markup(head: &[u8]) -> bool {
    let start = String::from_utf8_lossy(head).trim_start_matches('\u{feff}').trim_start().to_ascii_lowercase();
    ["<!doctype", "<html", "<svg", "<?xml", "<script"].iter().any(|p| start.starts_with(p))
}

/// Sniffs a whole buffer at once.
pub fn sniff(bytes: &[u8], file_name: &str) -> Option<&'static str> {
    let mut s = Sniffer::new();
    s.feed(bytes);
    s.finish(file_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_images_are_recognised_by_their_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n...", "x.exe"), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "photo.pdf"), Some("image/png"));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF", "a"), Some("image/jpeg"));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0", "IMG_1.HEIC"), Some("image/heic"));
        assert_eq!(sniff("Blood pressure log: 120/80 ✓\n".as_bytes(), "bp.txt"), Some("text/plain"));
    }

    #[test]
    fn office_zip_is_told_apart_from_any_zip() {
        let docx = b"PK\x03\x04....[Content_Types].xml....PK\x03\x04....word/document.xml....";
        assert_eq!(
            sniff(docx, "letter.docx"),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        assert_eq!(sniff(b"PK\x03\x04....payload.exe", "x.docx"), None);
    }

    #[test]
    fn markers_split_across_chunks_are_found() {
        let mut s = Sniffer::new();
        s.feed(b"PK\x03\x04 some bytes xl/work");
        s.feed(b"book.xml more");
        assert_eq!(s.finish("a.xlsx"), Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
    }

    #[test]
    fn executables_markup_and_empty_files_are_refused() {
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0", "report.pdf"), None);
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01", "notes.txt"), None);
        assert_eq!(sniff(b"<!DOCTYPE html><script>alert(1)</script>", "a.txt"), None);
        assert_eq!(sniff(b"<svg onload=alert(1)>", "a.txt"), None);
        assert_eq!(sniff(b"", "a.txt"), None);
        assert_eq!(sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.msi"), None);
        assert_eq!(sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.DOC"), Some("application/msword"));
    }

    #[test]
    fn utf8_cut_between_chunks_is_still_text() {
        let text = "é".as_bytes();
        let mut s = Sniffer::new();
        s.feed(&text[..1]);
        s.feed(&text[1..]);
        assert_eq!(s.finish("a.txt"), Some("text/plain"));
    }
}
