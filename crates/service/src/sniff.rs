//! Recognises the type of an uploaded file from its bytes, as they stream
//! in. The client's claimed type is never trusted; anything not on the
//! allowlist (PDF, common images, plain text, common office documents) is
//! refused, and so are documents that carry macros and text that holds
//! markup anywhere (a browser or an office suite would run it).

mod office;

#[cfg(test)]
pub(crate) use office::tests as office_tests;
pub use office::{is_ole, ole_has_macros};

/// Bytes kept from the start of the file for magic numbers.
const HEAD: usize = 512;
/// Overlap kept between chunks so a marker split across two is still found.
const OVERLAP: usize = 64;

/// Why a file is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Empty, or not one of the allowed types.
    NotAllowed,
    /// An office document with macros (VBA, Excel 4 macro sheets, ODF Basic).
    Macros,
    /// HTML, SVG, XML or RTF, or text holding such markup.
    Markup,
    /// A program or a script.
    Program,
}

/// Incremental sniffer: [`Sniffer::feed`] every chunk, then [`Sniffer::finish`].
#[derive(Default)]
pub struct Sniffer {
    head: Vec<u8>,
    tail: Vec<u8>,
    zip: office::ZipParts,
    /// Still plain UTF-8 text without control characters?
    text: bool,
    /// An incomplete UTF-8 sequence carried to the next chunk.
    utf8_carry: Vec<u8>,
    /// Markup seen anywhere in the text.
    markup: bool,
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
        let zip = self.head.starts_with(b"PK");
        // Part names matter only inside ZIP containers, markup only in text.
        if zip || (self.text && !self.markup) {
            let mut window = std::mem::take(&mut self.tail);
            window.extend_from_slice(chunk);
            if zip {
                self.zip.scan(&window);
            }
            if self.text && !self.markup {
                self.markup = has_markup(&window);
            }
            let keep = window.len().saturating_sub(OVERLAP);
            self.tail = window[keep..].to_vec();
        }
        if self.text {
            self.check_text(chunk);
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

    /// The media type, or why the file is refused. `file_name` only chooses
    /// between Word, Excel and PowerPoint for legacy binary documents, whose
    /// container is the same (their macros are looked for by
    /// [`ole_has_macros`] once the whole file is on disk).
    pub fn finish(self, file_name: &str) -> Result<&'static str, Refusal> {
        let h = &self.head[..];
        if !self.started || h.is_empty() {
            return Err(Refusal::NotAllowed);
        }
        if let Some(media_type) = magic(h) {
            return Ok(media_type);
        }
        if h.starts_with(b"{\\rtf") {
            return Err(Refusal::Markup);
        }
        if h.starts_with(b"MZ") || h.starts_with(b"\x7fELF") || h.starts_with(b"#!") {
            return Err(Refusal::Program);
        }
        if h.starts_with(b"PK\x03\x04") {
            return self.zip.media_type();
        }
        if h.starts_with(office::OLE_MAGIC) {
            return office::ole_type(file_name);
        }
        if self.text && self.utf8_carry.is_empty() {
            return if self.markup { Err(Refusal::Markup) } else { Ok("text/plain") };
        }
        Err(Refusal::NotAllowed)
    }
}

/// Types told by their first bytes alone.
fn magic(h: &[u8]) -> Option<&'static str> {
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
    if h.len() >= 12 && &h[4..8] == b"ftyp" && matches!(&h[8..12], b"heic" | b"heix" | b"hevc" | b"mif1" | b"msf1") {
        return Some("image/heic");
    }
    if h.starts_with(b"II*\0") || h.starts_with(b"MM\0*") {
        return Some("image/tiff");
    }
    if h.len() >= 14 && h.starts_with(b"BM") {
        return Some("image/bmp");
    }
    None
}

/// HTML, SVG and XML are text, but not documents a patient or clinic
/// exchanges; refusing them removes a whole class of stored-script risks.
/// The whole text is looked at, case-insensitively.
fn has_markup(window: &[u8]) -> bool {
    const TAGS: [&[u8]; 11] =
        [b"script", b"html", b"svg", b"!doctype", b"?xml", b"iframe", b"object", b"embed", b"body", b"meta", b"math"];
    window.iter().enumerate().filter(|(_, &b)| b == b'<').any(|(i, _)| {
        let rest = &window[i + 1..];
        TAGS.iter().any(|t| rest.len() >= t.len() && rest[..t.len()].eq_ignore_ascii_case(t))
    })
}

/// Sniffs a whole buffer at once.
pub fn sniff(bytes: &[u8], file_name: &str) -> Result<&'static str, Refusal> {
    let mut s = Sniffer::new();
    s.feed(bytes);
    s.finish(file_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_images_are_recognised_by_their_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n...", "x.exe"), Ok("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "photo.pdf"), Ok("image/png"));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF", "a"), Ok("image/jpeg"));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0", "IMG_1.HEIC"), Ok("image/heic"));
        assert_eq!(sniff("Blood pressure log: 120/80 ✓ (a < b)\n".as_bytes(), "bp.txt"), Ok("text/plain"));
    }

    #[test]
    fn office_zip_is_told_apart_from_any_zip() {
        let docx = b"PK\x03\x04....[Content_Types].xml....PK\x03\x04....word/document.xml....";
        assert_eq!(
            sniff(docx, "letter.docx"),
            Ok("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        assert_eq!(sniff(b"PK\x03\x04....payload.exe", "x.docx"), Err(Refusal::NotAllowed));
    }

    #[test]
    fn markers_split_across_chunks_are_found() {
        let mut s = Sniffer::new();
        s.feed(b"PK\x03\x04 some bytes xl/work");
        s.feed(b"book.xml more");
        assert_eq!(s.finish("a.xlsx"), Ok("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
    }

    #[test]
    fn executables_markup_and_empty_files_are_refused() {
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0", "report.pdf"), Err(Refusal::Program));
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01", "notes.txt"), Err(Refusal::Program));
        assert_eq!(sniff(b"<!DOCTYPE html><script>alert(1)</script>", "a.txt"), Err(Refusal::Markup));
        assert_eq!(sniff(b"<svg onload=alert(1)>", "a.txt"), Err(Refusal::Markup));
        assert_eq!(sniff(b"", "a.txt"), Err(Refusal::NotAllowed));
        assert_eq!(sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.msi"), Err(Refusal::NotAllowed));
        assert_eq!(sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.DOC"), Ok("application/msword"));
    }

    // See: issue 13, point 8.
    #[test]
    fn rtf_scripts_and_macro_parts_are_refused_whatever_the_name() {
        assert_eq!(sniff(b"{\\rtf1\\ansi hello}", "letter.doc"), Err(Refusal::Markup));
        assert_eq!(sniff(b"#!/bin/sh\nrm -rf ~\n", "notes.txt"), Err(Refusal::Program));
        let docm = b"PK\x03\x04....word/document.xml....PK\x03\x04....word/vbaProject.bin....";
        assert_eq!(sniff(docm, "letter.docx"), Err(Refusal::Macros));
        let xlm = b"PK\x03\x04....xl/workbook.xml....xl/macrosheets/sheet1.xml";
        assert_eq!(sniff(xlm, "budget.xlsx"), Err(Refusal::Macros));
    }

    // See: issue 13, point 8.
    #[test]
    fn markup_deep_in_text_is_found_even_across_chunks() {
        let mut s = Sniffer::new();
        s.feed("Visit notes\n".repeat(100_000).as_bytes());
        s.feed(b"and then <SCR");
        s.feed(b"IPT>alert(1)</script>\n");
        assert_eq!(s.finish("notes.txt"), Err(Refusal::Markup));
        let late_html = format!("{}<html><body>hi</body></html>", "x ".repeat(2000));
        assert_eq!(sniff(late_html.as_bytes(), "a.txt"), Err(Refusal::Markup));
        assert_eq!(sniff(b"see <!DocType x>", "a.txt"), Err(Refusal::Markup));
    }

    #[test]
    fn utf8_cut_between_chunks_is_still_text() {
        let text = "é".as_bytes();
        let mut s = Sniffer::new();
        s.feed(&text[..1]);
        s.feed(&text[1..]);
        assert_eq!(s.finish("a.txt"), Ok("text/plain"));
    }
}
