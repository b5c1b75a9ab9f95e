//! SMS: the second transport behind [`super::Transport`]. No SMS gateway is
//! built in yet; a clinic that needs SMS plugs a gateway client in here.
//! Until then, SMS notifications stay queued (and are sent once one is
//! configured), and patients with an email address are emailed.

use super::Content;

/// The text of an SMS for `content`: short, and without health information.
pub fn text(content: &Content) -> String {
    match content {
        Content::NewMessage { clinic, link } => format!("{clinic} sent you a secure message: {link}"),
        Content::Code { clinic, code } => {
            format!("{code} is your {clinic} verification code. It expires in 10 minutes.")
        }
        Content::DetailsChanged { clinic } => {
            format!("{clinic} changed your contact details. If you did not ask for this, call the clinic.")
        }
    }
}
