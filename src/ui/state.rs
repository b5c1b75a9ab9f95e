//! The interface's shared state: the session, the badge number, the
//! connection, the outbox, and which view is open. Fed by the background's
//! update port.

use cortico_protocol::api::{ConversationPage, Me, Tab};
use cortico_protocol::OscarPatientRef;
use leptos::prelude::*;
use serde::Deserialize;
use wasm_bindgen::JsValue;

use crate::bridge;

/// Signed in, signed out, or signed in once but the token expired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// A live token.
    SignedIn,
    /// Never signed in, or signed out.
    SignedOut,
    /// The token expired or was revoked: sign in again (drafts are kept).
    Expired,
}

/// What the background tells about the session (never the token).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Session {
    /// The state.
    pub state: SessionState,
    /// Who, when known.
    #[serde(default)]
    pub me: Option<Me>,
}

impl Session {
    fn signed_out() -> Self {
        Session { state: SessionState::SignedOut, me: None }
    }
}

/// A send waiting in the background's outbox.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct OutboxItem {
    /// Idempotency key.
    pub key: String,
    /// `clinic:staff id` of the sender.
    #[serde(default)]
    pub owner: String,
    /// The API path it posts to.
    pub path: String,
    /// The body, as far as the interface shows it.
    #[serde(default)]
    pub json: Option<OutboxBody>,
    /// Why the last try failed.
    #[serde(default, rename = "lastError")]
    pub last_error: Option<String>,
}

/// The parts of a queued send the interface shows.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct OutboxBody {
    /// Reply text.
    #[serde(default)]
    pub body: Option<String>,
    /// New-conversation message.
    #[serde(default)]
    pub message: Option<OutboxMessage>,
    /// New-conversation patient.
    #[serde(default)]
    pub patient: Option<OscarPatientRef>,
}

/// The message of a queued new conversation.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct OutboxMessage {
    /// Its text.
    pub body: String,
}

impl OutboxItem {
    /// The text of the queued message.
    pub fn text(&self) -> String {
        let json = self.json.as_ref();
        json.and_then(|j| j.body.clone().or_else(|| j.message.as_ref().map(|m| m.body.clone()))).unwrap_or_default()
    }

    /// The conversation a queued reply goes to.
    pub fn conversation_id(&self) -> Option<i64> {
        self.path.strip_prefix("/api/conversations/")?.strip_suffix("/messages")?.parse().ok()
    }
}

/// Messages on the update port.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum PortMessage {
    Hello { session: Session, unread: Option<i64>, online: Option<bool>, outbox: Vec<OutboxItem> },
    Session { session: Session },
    Update { unread: i64, changed: Vec<i64>, resync: bool },
    Connection { online: bool },
    Outbox { outbox: Vec<OutboxItem> },
    Delivered { ok: bool },
}

/// Which view is open above the logo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// Only the logo.
    Closed,
    /// The logo's menu.
    Menu,
    /// The sign-in form.
    SignIn,
    /// The envelope panel with its tabs.
    Panel,
    /// One conversation.
    Conversation(i64),
    /// A new message to the e-chart's patient.
    Compose,
    /// Members of a conversation.
    GroupInfo(i64),
    /// Files of a conversation.
    Files(i64),
    /// What the plug-in read from the page.
    About,
    /// The clinic's Oscar connection (administrators).
    Oscar,
}

/// Shared interface state (all signals, so it is `Copy`).
#[derive(Clone, Copy)]
pub struct Store {
    /// The session.
    pub session: RwSignal<Session>,
    /// The badge number; `None` until known (never a stale guess).
    pub unread: RwSignal<Option<i64>>,
    /// The live stream is connected (`None` while connecting).
    pub online: RwSignal<Option<bool>>,
    /// Sends not yet acknowledged.
    pub outbox: RwSignal<Vec<OutboxItem>>,
    /// The open view.
    pub view: RwSignal<View>,
    /// The open tab of the panel.
    pub tab: RwSignal<Tab>,
    /// Bumped on every update from the service: views reload.
    pub updates: RwSignal<u64>,
    /// Conversations changed by the last update.
    pub changed: RwSignal<Vec<i64>>,
    /// The last list fetched per tab, shown at once when the panel opens.
    pub lists: RwSignal<Vec<(Tab, ConversationPage)>>,
    /// A short confirmation shown over the logo, with its number (so the
    /// timer of an earlier one never hides a newer one early).
    pub toast: RwSignal<Option<String>>,
    toast_seq: RwSignal<u64>,
    /// Why the user is asked to sign in (e.g. the session expired).
    pub sign_in_reason: RwSignal<Option<String>>,
    /// The background has said who is signed in (until then menus would guess).
    pub ready: RwSignal<bool>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    /// Fresh state for a page; the tab follows the user's role once known.
    pub fn new() -> Self {
        Store {
            session: RwSignal::new(Session::signed_out()),
            unread: RwSignal::new(None),
            online: RwSignal::new(None),
            outbox: RwSignal::new(Vec::new()),
            view: RwSignal::new(View::Closed),
            tab: RwSignal::new(Tab::Mine),
            updates: RwSignal::new(0),
            changed: RwSignal::new(Vec::new()),
            lists: RwSignal::new(Vec::new()),
            toast: RwSignal::new(None),
            toast_seq: RwSignal::new(0),
            sign_in_reason: RwSignal::new(None),
            ready: RwSignal::new(false),
        }
    }

    /// Follows the background's update port for the life of the page.
    pub fn listen(self) {
        bridge::connect(move |msg: JsValue| {
            let Ok(msg) = serde_wasm_bindgen::from_value::<PortMessage>(msg) else {
                return;
            };
            self.apply(msg);
        });
    }

    fn apply(self, msg: PortMessage) {
        match msg {
            PortMessage::Hello { session, unread, online, outbox } => {
                self.set_session(session);
                self.ready.set(true);
                self.unread.set(unread);
                self.online.set(online);
                self.outbox.set(outbox);
                if unread.is_none() && self.signed_in() {
                    self.refresh_unread();
                }
            }
            PortMessage::Session { session } => self.set_session(session),
            PortMessage::Update { unread, changed, resync } => {
                self.unread.set(Some(unread));
                if resync {
                    self.lists.set(Vec::new());
                }
                self.changed.set(changed);
                self.updates.update(|n| *n += 1);
            }
            PortMessage::Connection { online } => self.online.set(Some(online)),
            PortMessage::Outbox { outbox } => self.outbox.set(outbox),
            PortMessage::Delivered { ok, .. } => {
                if ok {
                    self.updates.update(|n| *n += 1);
                }
            }
        }
    }

    fn set_session(self, session: Session) {
        let was = self.session.get_untracked().state;
        if session.state != SessionState::SignedIn {
            self.unread.set(None);
            self.lists.set(Vec::new());
        }
        if was == SessionState::SignedIn && session.state == SessionState::Expired {
            // Whatever was open, the next step is signing in again.
            self.sign_in_reason
                .set(Some(crate::i18n::t(crate::i18n::Lang::from_browser(), crate::i18n::Msg::SessionExpired).into()));
            if self.view.get_untracked() != View::Closed {
                self.view.set(View::SignIn);
            }
        }
        if session.state == SessionState::SignedIn && was != SessionState::SignedIn {
            if let Some(me) = &session.me {
                self.tab.set(me.default_tab);
            }
        }
        self.session.set(session);
    }

    /// True with a live session.
    pub fn signed_in(self) -> bool {
        self.session.get_untracked().state == SessionState::SignedIn
    }

    /// Fetches the badge number (when the stream has not said it yet).
    pub fn refresh_unread(self) {
        leptos::task::spawn_local(async move {
            if let Ok(n) = bridge::get::<cortico_protocol::api::UnreadCount>("/api/unread").await {
                self.unread.set(Some(n.count));
            }
        });
    }

    /// The cached list of `tab`, if any.
    pub fn cached(self, tab: Tab) -> Option<ConversationPage> {
        self.lists.with_untracked(|l| l.iter().find(|(t, _)| *t == tab).map(|(_, p)| p.clone()))
    }

    /// Remembers the list of `tab`.
    pub fn cache(self, tab: Tab, page: ConversationPage) {
        self.lists.update(|l| {
            l.retain(|(t, _)| *t != tab);
            l.push((tab, page));
        });
    }

    /// Shows a confirmation for a few seconds.
    pub fn notify(self, text: String) {
        let seq = self.toast_seq.get_untracked().wrapping_add(1);
        self.toast_seq.set(seq);
        self.toast.set(Some(text));
        set_timeout(
            move || {
                if self.toast_seq.get_untracked() == seq {
                    self.toast.set(None);
                }
            },
            std::time::Duration::from_secs(4),
        );
    }
}
