//! The names attachments are stored and downloaded under. A name is shown
//! to people who decide by it whether to open a file, so it must not lie:
//! no invisible characters that reorder it, no extension of a program, and
//! an extension that matches what the bytes are.

use crate::sniff::Refusal;

/// Most characters kept of a name.
const MAX_CHARS: usize = 200;

/// Extensions refused whatever the bytes hold: programs, scripts, markup
/// and macro-enabled documents, which a double click runs or renders.
const REFUSED: &[(&str, Refusal)] = &[
    ("docm", Refusal::Macros),
    ("dotm", Refusal::Macros),
    ("xlsm", Refusal::Macros),
    ("xltm", Refusal::Macros),
    ("xlam", Refusal::Macros),
    ("xlsb", Refusal::Macros),
    ("pptm", Refusal::Macros),
    ("potm", Refusal::Macros),
    ("ppsm", Refusal::Macros),
    ("ppam", Refusal::Macros),
    ("sldm", Refusal::Macros),
    ("rtf", Refusal::Markup),
    ("html", Refusal::Markup),
    ("htm", Refusal::Markup),
    ("xhtml", Refusal::Markup),
    ("shtml", Refusal::Markup),
    ("mht", Refusal::Markup),
    ("mhtml", Refusal::Markup),
    ("svg", Refusal::Markup),
    ("svgz", Refusal::Markup),
    ("xml", Refusal::Markup),
    ("xsl", Refusal::Markup),
];

/// Programs and scripts (Windows, macOS, Unix, and interpreters).
#[rustfmt::skip]
const PROGRAMS: &[&str] = &[
    "exe", "com", "scr", "pif", "msi", "msp", "msc", "dll", "cpl", "sys", "drv", "ocx", "bat", "cmd", "ps1", "psm1",
    "psd1", "vbs", "vbe", "js", "jse", "mjs", "cjs", "wsf", "wsh", "wsc", "hta", "jar", "lnk", "reg", "scf", "inf",
    "url", "application", "gadget", "appx", "msix", "sh", "bash", "zsh", "csh", "ksh", "fish", "command", "app",
    "desktop", "py", "pyw", "pl", "rb", "php", "lua", "apk", "dmg", "pkg", "deb", "rpm", "run", "bin", "elf", "iso",
    "img", "vhd", "vhdx",
];

/// A name safe to store and to put in a download header: no path, no
/// control or bidirectional formatting characters (U+202E would show
/// `invoice\u{202E}fdp.exe` as `invoiceexe.pdf`), no quotes, no leading
/// dots, no trailing dots or spaces (Windows drops them), at most 200
/// characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|&c| !invisible(c) && c != '"').take(MAX_CHARS).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim_end_matches(['.', ' ']).to_owned();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// Control characters, and the format characters that reorder or hide text.
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// The name's extension, lowercase, when it has one.
fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    let plausible = !stem.is_empty() && (1..=12).contains(&ext.len()) && ext.chars().all(|c| c.is_ascii_alphanumeric());
    plausible.then(|| ext.to_ascii_lowercase())
}

/// Refuses a (cleaned) name whose extension is a program, a script, markup
/// or a macro-enabled document, before any byte is read.
pub fn refuse_by_name(name: &str) -> Result<(), Refusal> {
    let Some(ext) = extension(name) else { return Ok(()) };
    if PROGRAMS.contains(&ext.as_str()) {
        return Err(Refusal::Program);
    }
    match REFUSED.iter().find(|(e, _)| *e == ext) {
        Some((_, why)) => Err(*why),
        None => Ok(()),
    }
}

/// The extensions of each allowed type; the first is the one given to a
/// file whose name says otherwise.
fn extensions_of(media_type: &str) -> &'static [&'static str] {
    match media_type {
        "application/pdf" => &["pdf"],
        "image/png" => &["png"],
        "image/jpeg" => &["jpg", "jpeg", "jpe", "jfif"],
        "image/gif" => &["gif"],
        "image/webp" => &["webp"],
        "image/heic" => &["heic", "heif"],
        "image/tiff" => &["tif", "tiff"],
        "image/bmp" => &["bmp", "dib"],
        "text/plain" => &["txt", "text", "csv", "log"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => &["docx"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => &["xlsx"],
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => &["pptx"],
        "application/vnd.oasis.opendocument.text" => &["odt"],
        "application/vnd.oasis.opendocument.spreadsheet" => &["ods"],
        "application/vnd.oasis.opendocument.presentation" => &["odp"],
        "application/msword" => &["doc"],
        "application/vnd.ms-excel" => &["xls"],
        "application/vnd.ms-powerpoint" => &["ppt"],
        _ => &[],
    }
}

/// `name` with an extension that agrees with the sniffed `media_type`: kept
/// when it already does, otherwise the wrong extension is replaced (or the
/// right one added), so `report.pdf` holding a PNG is stored as `report.png`.
pub fn name_for_type(name: &str, media_type: &str) -> String {
    let allowed = extensions_of(media_type);
    let Some(canonical) = allowed.first() else { return name.to_owned() };
    let ext = extension(name);
    if ext.as_deref().is_some_and(|e| allowed.contains(&e)) {
        return name.to_owned();
    }
    let stem = match ext {
        Some(e) => &name[..name.len() - e.len() - 1],
        None => name,
    };
    let room = MAX_CHARS - canonical.len() - 1;
    let stem: String = stem.chars().take(room).collect();
    format!("{}.{canonical}", stem.trim_end_matches(['.', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name("C:\\Users\\me\\lab results.pdf"), "lab results.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\"b\r\n.pdf"), "ab.pdf");
        assert_eq!(clean_file_name(".."), "file");
    }

    // See: issue 13, point 8.
    #[test]
    fn bidirectional_and_invisible_characters_are_removed() {
        assert_eq!(clean_file_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        for c in ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}'] {
            assert_eq!(clean_file_name(&format!("scan{c}.pdf")), "scan.pdf", "U+{:04X}", c as u32);
        }
        assert_eq!(clean_file_name("a\u{200E}b\u{200F}c\u{200B}\u{FEFF}.txt"), "abc.txt");
        assert_eq!(clean_file_name("run.exe. . "), "run.exe");
        assert_eq!(refuse_by_name(&clean_file_name("invoice\u{202E}fdp.exe")), Err(Refusal::Program));
    }

    #[test]
    fn programs_scripts_markup_and_macro_documents_are_refused_by_name() {
        for name in ["setup.exe", "a.JS", "run.sh", "x.bat", "p.ps1", "report.pdf.exe"] {
            assert_eq!(refuse_by_name(name), Err(Refusal::Program), "{name}");
        }
        for name in ["letter.docm", "budget.XLSM", "deck.pptm"] {
            assert_eq!(refuse_by_name(name), Err(Refusal::Macros), "{name}");
        }
        for name in ["page.html", "logo.svg", "memo.rtf"] {
            assert_eq!(refuse_by_name(name), Err(Refusal::Markup), "{name}");
        }
        for name in ["lab results.pdf", "notes", "x.exe.pdf", ".bashrc"] {
            assert_eq!(refuse_by_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn the_extension_follows_the_sniffed_type() {
        assert_eq!(name_for_type("report.pdf", "image/png"), "report.png");
        assert_eq!(name_for_type("photo.jpg", "application/pdf"), "photo.pdf");
        assert_eq!(name_for_type("photo.JPEG", "image/jpeg"), "photo.JPEG");
        assert_eq!(name_for_type("scan", "application/pdf"), "scan.pdf");
        assert_eq!(name_for_type("bp log.csv", "text/plain"), "bp log.csv");
        assert_eq!(name_for_type("notes.docx", "text/plain"), "notes.txt");
        assert_eq!(name_for_type("v1.2 final", "application/pdf"), "v1.2 final.pdf");
        let long = format!("{}.jpg", "a".repeat(196));
        assert_eq!(name_for_type(&long, "application/pdf").chars().count(), 200);
    }
}
