//! The portal's English and French text. The language comes from a `?lang=`
//! switch (remembered in a cookie), else from the browser's Accept-Language.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

/// The portal language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// French.
    Fr,
}

impl Lang {
    /// `en` or `fr`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Fr,
            Lang::Fr => Lang::En,
        }
    }

    /// Parses `en`/`fr`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    /// The text of `t` in this language.
    pub fn t(self, t: T) -> &'static str {
        let (en, fr) = text(t);
        match self {
            Lang::En => en,
            Lang::Fr => fr,
        }
    }
}

/// The cookie remembering the language switch.
pub const LANG_COOKIE: &str = "cortico_lang";

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(lang) = super::cookie(&parts.headers, LANG_COOKIE).and_then(|v| Lang::parse(&v)) {
            return Ok(lang);
        }
        let accept = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
        // The first language the browser names decides (quality values are rarely needed here).
        let first = accept.split(',').next().unwrap_or("").trim().to_ascii_lowercase();
        Ok(if first.starts_with("fr") { Lang::Fr } else { Lang::En })
    }
}

/// Every piece of portal text.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum T {
    Portal,
    SwitchLanguage,
    VerifyTitle,
    VerifyIntro,
    HealthCard,
    HealthCardHint,
    DateOfBirth,
    Year,
    Month,
    Day,
    KeepSignedIn,
    Continue,
    Locked,
    CodeTitle,
    CodeIntro,
    Code,
    CodeHint,
    WrongCode,
    LinkUnknown,
    LinkExpired,
    LinkHelp,
    SignInNeeded,
    TooManyTries,
    YourConversations,
    NoConversations,
    NewConversation,
    Back,
    Reply,
    Send,
    AttachFiles,
    AttachHint,
    ClosedNoReply,
    RepliesNotAllowed,
    YouWrote,
    Clinic,
    NotFound,
    NotFoundText,
    FileTooLarge,
    FileNotAllowed,
    EmptyMessage,
    MessageTooLong,
    SignOut,
    SignedOut,
    NewConversationIntro,
    StartConversation,
    NotAllowedToStart,
    Error,
    ErrorText,
    Files,
    Months,
    UnreadNew,
    OtherSite,
    OtherSiteText,
    FormTooLarge,
}

fn text(t: T) -> (&'static str, &'static str) {
    use T::*;
    match t {
        Portal => ("Secure messages", "Messages sécurisés"),
        SwitchLanguage => ("Français", "English"),
        VerifyTitle => ("Confirm who you are", "Confirmez votre identité"),
        VerifyIntro => (
            "To protect your health information, enter your health card number and date of birth as your clinic has them.",
            "Pour protéger vos renseignements de santé, entrez votre numéro de carte santé et votre date de naissance tels que votre clinique les a.",
        ),
        HealthCard => ("Health card number", "Numéro de carte santé"),
        HealthCardHint => ("Spaces, dashes and the version code are optional.", "Les espaces, les tirets et le code de version sont facultatifs."),
        DateOfBirth => ("Date of birth", "Date de naissance"),
        Year => ("Year", "Année"),
        Month => ("Month", "Mois"),
        Day => ("Day", "Jour"),
        KeepSignedIn => ("Keep me signed in on this device for 30 days", "Rester connecté sur cet appareil pendant 30 jours"),
        Continue => ("Continue", "Continuer"),
        Locked => (
            "Your access is locked after too many failed attempts. Please call your clinic to unlock it.",
            "Votre accès est verrouillé après trop d'essais manqués. Veuillez appeler votre clinique pour le déverrouiller.",
        ),
        CodeTitle => ("Enter your code", "Entrez votre code"),
        CodeIntro => (
            "If the details you entered match your clinic's records, we emailed a 6-digit code to the address your clinic has on file. It expires in 10 minutes.",
            "Si les renseignements entrés correspondent au dossier de votre clinique, nous avons envoyé un code à 6 chiffres à l'adresse que votre clinique a au dossier. Il expire dans 10 minutes.",
        ),
        Code => ("6-digit code", "Code à 6 chiffres"),
        CodeHint => (
            "Check your spam folder if it does not arrive within a minute. If no code comes, call your clinic.",
            "Vérifiez vos courriels indésirables s'il n'arrive pas d'ici une minute. Si aucun code n'arrive, appelez votre clinique.",
        ),
        WrongCode => ("That code is not right, or it has expired.", "Ce code n'est pas bon, ou il a expiré."),
        LinkUnknown => ("This link is not valid.", "Ce lien n'est pas valide."),
        LinkExpired => ("This link has expired.", "Ce lien a expiré."),
        LinkHelp => (
            "Open the link in the most recent email from your clinic, or call your clinic.",
            "Ouvrez le lien du plus récent courriel de votre clinique, ou appelez votre clinique.",
        ),
        SignInNeeded => (
            "To read your messages, open the link in the most recent email from your clinic.",
            "Pour lire vos messages, ouvrez le lien du plus récent courriel de votre clinique.",
        ),
        TooManyTries => ("Too many attempts from this network. Please wait a few minutes.", "Trop d'essais depuis ce réseau. Veuillez patienter quelques minutes."),
        YourConversations => ("Your conversations", "Vos conversations"),
        NoConversations => ("You have no conversations with your clinic yet.", "Vous n'avez pas encore de conversation avec votre clinique."),
        NewConversation => ("New conversation", "Nouvelle conversation"),
        Back => ("All conversations", "Toutes les conversations"),
        Reply => ("Your reply", "Votre réponse"),
        Send => ("Send", "Envoyer"),
        AttachFiles => ("+ Attach files", "+ Joindre des fichiers"),
        AttachHint => (
            "PDF, photos, text or office documents, up to 25 MB each.",
            "PDF, photos, texte ou documents bureautiques, jusqu'à 25 Mo chacun.",
        ),
        ClosedNoReply => (
            "This conversation is closed, so you cannot reply. Start a new conversation or call your clinic.",
            "Cette conversation est fermée, vous ne pouvez donc pas répondre. Commencez une nouvelle conversation ou appelez votre clinique.",
        ),
        RepliesNotAllowed => (
            "Your clinic did not ask for a reply to this message. If you need to, call your clinic.",
            "Votre clinique n'a pas demandé de réponse à ce message. Au besoin, appelez votre clinique.",
        ),
        YouWrote => ("You", "Vous"),
        Clinic => ("Clinic", "Clinique"),
        NotFound => ("Not found", "Introuvable"),
        NotFoundText => ("There is nothing here for you.", "Il n'y a rien ici pour vous."),
        FileTooLarge => ("A file is larger than 25 MB. Nothing was sent.", "Un fichier dépasse 25 Mo. Rien n'a été envoyé."),
        FileNotAllowed => (
            "Only PDF files, photos, plain text and office documents can be attached. Nothing was sent.",
            "Seuls les PDF, les photos, le texte et les documents bureautiques peuvent être joints. Rien n'a été envoyé.",
        ),
        EmptyMessage => ("Write a message or attach a file.", "Écrivez un message ou joignez un fichier."),
        MessageTooLong => ("A message can be at most 10,000 characters. Nothing was sent.", "Un message est limité à 10 000 caractères. Rien n'a été envoyé."),
        SignOut => ("Sign out", "Se déconnecter"),
        SignedOut => ("You are signed out.", "Vous êtes déconnecté."),
        NewConversationIntro => (
            "Write to your clinic. For emergencies, call 911; messages are not read around the clock.",
            "Écrivez à votre clinique. En cas d'urgence, composez le 911; les messages ne sont pas lus jour et nuit.",
        ),
        StartConversation => ("Send to the clinic", "Envoyer à la clinique"),
        NotAllowedToStart => (
            "Your clinic does not take new conversations here. Please call your clinic.",
            "Votre clinique n'accepte pas de nouvelles conversations ici. Veuillez appeler votre clinique.",
        ),
        Error => ("Something went wrong", "Une erreur est survenue"),
        ErrorText => ("Please try again in a moment. Nothing was lost.", "Veuillez réessayer dans un moment. Rien n'a été perdu."),
        Files => ("Files", "Fichiers"),
        Months => (
            "January,February,March,April,May,June,July,August,September,October,November,December",
            "janvier,février,mars,avril,mai,juin,juillet,août,septembre,octobre,novembre,décembre",
        ),
        UnreadNew => ("New", "Nouveau"),
        OtherSite => ("Not accepted", "Non accepté"),
        OtherSiteText => (
            "This form was sent from another website, so nothing was done. Open the link in your clinic's email and try again.",
            "Ce formulaire a été envoyé depuis un autre site Web, donc rien n'a été fait. Ouvrez le lien du courriel de votre clinique et réessayez.",
        ),
        FormTooLarge => ("What you sent is too long. Nothing was changed.", "Ce que vous avez envoyé est trop long. Rien n'a été modifié."),
    }
}
