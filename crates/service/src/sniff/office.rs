//! Office documents: which kind a ZIP or OLE container holds, and whether
//! it carries macros. A macro runs with the reader's rights as soon as they
//! click "Enable content", so such documents are refused whatever their
//! name says.

use super::Refusal;

/// The signature of OLE compound files (legacy Office documents).
pub(super) const OLE_MAGIC: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";

/// Part names seen inside a ZIP (they are stored uncompressed, in the
/// local headers and the central directory).
#[derive(Default)]
pub(super) struct ZipParts {
    word: bool,
    excel: bool,
    powerpoint: bool,
    odf: Option<&'static str>,
    macros: bool,
}

impl ZipParts {
    /// Looks for part names in `window` (a chunk with the end of the last one).
    pub(super) fn scan(&mut self, window: &[u8]) {
        let has = |needle: &[u8]| window.windows(needle.len()).any(|w| w == needle);
        self.word |= has(b"word/document.xml");
        self.excel |= has(b"xl/workbook.xml");
        self.powerpoint |= has(b"ppt/presentation.xml");
        // OOXML keeps VBA in vbaProject.bin and Excel 4 macros in
        // macrosheets/; OpenDocument keeps Basic macros under Basic/.
        self.macros |= has(b"vbaProject.bin") || has(b"xl/macrosheets/") || has(b"Basic/");
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

    /// The document type of the ZIP, or why it is refused.
    pub(super) fn media_type(&self) -> Result<&'static str, Refusal> {
        if self.macros {
            Err(Refusal::Macros)
        } else if self.word {
            Ok("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        } else if self.excel {
            Ok("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        } else if self.powerpoint {
            Ok("application/vnd.openxmlformats-officedocument.presentationml.presentation")
        } else {
            self.odf.ok_or(Refusal::NotAllowed)
        }
    }
}

/// A legacy Office document's type, told by its name (the container is the
/// same for all three); any other OLE file (an installer, …) is refused.
pub(super) fn ole_type(file_name: &str) -> Result<&'static str, Refusal> {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "doc" => Ok("application/msword"),
        "xls" => Ok("application/vnd.ms-excel"),
        "ppt" => Ok("application/vnd.ms-powerpoint"),
        _ => Err(Refusal::NotAllowed),
    }
}

/// Whether `media_type` lives in an OLE compound file.
pub fn is_ole(media_type: &str) -> bool {
    matches!(media_type, "application/msword" | "application/vnd.ms-excel" | "application/vnd.ms-powerpoint")
}

/// Whether the OLE compound file at `path` holds a VBA project (Word's
/// `Macros` storage, Excel's `_VBA_PROJECT_CUR`, a `VBA` storage or a
/// `_VBA_PROJECT` stream). A file that does not parse is refused: Office
/// would not open it either. Blocking: call it off the async threads.
pub fn ole_has_macros(path: &std::path::Path) -> Result<(), Refusal> {
    let file = cfb::open(path).map_err(|_| Refusal::NotAllowed)?;
    let macros = file.walk().any(|entry| {
        let name = entry.name();
        ["VBA", "_VBA_PROJECT", "_VBA_PROJECT_CUR", "Macros"].iter().any(|n| name.eq_ignore_ascii_case(n))
    });
    if macros {
        Err(Refusal::Macros)
    } else {
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A minimal OLE compound file with a `WordDocument` stream, and with a
    /// `Macros/VBA` storage holding `_VBA_PROJECT` when `macros`.
    pub(crate) fn word_97(macros: bool) -> Vec<u8> {
        let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
        file.create_stream("/WordDocument").unwrap().write_all(&[0xec, 0xa5, 0xc1, 0x00]).unwrap();
        if macros {
            file.create_storage("/Macros").unwrap();
            file.create_storage("/Macros/VBA").unwrap();
            file.create_stream("/Macros/VBA/_VBA_PROJECT").unwrap().write_all(&[0xcc, 0x61]).unwrap();
        }
        file.flush().unwrap();
        file.into_inner().into_inner()
    }

    // See: issue 13, point 8.
    #[test]
    fn vba_in_a_compound_document_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.doc");
        std::fs::write(&plain, word_97(false)).unwrap();
        assert_eq!(ole_has_macros(&plain), Ok(()));
        let with_macros = dir.path().join("macros.doc");
        std::fs::write(&with_macros, word_97(true)).unwrap();
        assert_eq!(ole_has_macros(&with_macros), Err(Refusal::Macros));
        let broken = dir.path().join("broken.doc");
        std::fs::write(&broken, [OLE_MAGIC, b"junk"].concat()).unwrap();
        assert_eq!(ole_has_macros(&broken), Err(Refusal::NotAllowed));
    }
}
