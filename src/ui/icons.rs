//! Small inline SVG icons (no external assets: the page's CSP may forbid them).

/// Three dots (more actions).
pub const DOTS: &str = r#"<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><circle cx="5" cy="12" r="2" fill="currentColor"/><circle cx="12" cy="12" r="2" fill="currentColor"/><circle cx="19" cy="12" r="2" fill="currentColor"/></svg>"#;
/// Two checkmarks (delivery state).
pub const CHECKS: &str = r#"<svg viewBox="0 0 24 14" width="20" height="12" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2" d="M1 7l4 4 8-9M9 11l1 1 8-10"/></svg>"#;
/// Paper clip (attach).
pub const CLIP: &str = r#"<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7l9-9a3.3 3.3 0 0 1 4.7 4.7l-9 9a1.7 1.7 0 0 1-2.4-2.4l8.3-8.3"/></svg>"#;
/// Caret down (send options).
pub const CARET: &str = r#"<svg viewBox="0 0 12 12" width="10" height="10" aria-hidden="true"><path fill="currentColor" d="M2 4h8L6 9z"/></svg>"#;
