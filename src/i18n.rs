//! English and French text of the plug-in. Every user-visible string goes
//! through [`Msg`], so a missing translation is a compile error.

/// The interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// French.
    Fr,
}

impl Lang {
    /// French for any `fr*` language tag, English otherwise.
    pub fn from_tag(tag: &str) -> Self {
        if tag.to_ascii_lowercase().starts_with("fr") {
            Lang::Fr
        } else {
            Lang::En
        }
    }

    /// The browser's preferred language.
    pub fn from_browser() -> Self {
        web_sys::window()
            .and_then(|w| w.navigator().language())
            .map_or(Lang::En, |t| Self::from_tag(&t))
    }
}

/// Every piece of interface text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    LogoLabel,
    MenuLabel,
    AboutPage,
    Close,
    PageSchedule,
    PageEchart,
    WeekView,
    SignedInToOscarAs,
    UnknownProvider,
    Patient,
    DemographicNo,
    AppointmentsRead,
    Appointment,
    Provider,
    Name,
    CouldNotRead,
    PluginVersion,
    NoDemographicNumber,
    NoScheduleGrid,
}

/// The text of `msg` in `lang`.
pub fn t(lang: Lang, msg: Msg) -> &'static str {
    use Msg::*;
    match lang {
        Lang::En => match msg {
            LogoLabel => "Cortico patient messaging",
            MenuLabel => "Cortico menu",
            AboutPage => "About this page",
            Close => "Close",
            PageSchedule => "Oscar schedule",
            PageEchart => "Oscar e-chart",
            WeekView => "week view",
            SignedInToOscarAs => "Oscar user (provider no.)",
            UnknownProvider => "not shown on this page",
            Patient => "Patient",
            DemographicNo => "Demographic no.",
            AppointmentsRead => "Appointments with patients",
            Appointment => "Appt no.",
            Provider => "Provider",
            Name => "Name",
            CouldNotRead => "Cortico could not read this page:",
            PluginVersion => "Plug-in version",
            NoDemographicNumber => "no patient number was found on this e-chart.",
            NoScheduleGrid => "this schedule page has no appointment grid.",
        },
        Lang::Fr => match msg {
            LogoLabel => "Messagerie patients Cortico",
            MenuLabel => "Menu Cortico",
            AboutPage => "À propos de cette page",
            Close => "Fermer",
            PageSchedule => "Horaire Oscar",
            PageEchart => "Dossier (e-chart) Oscar",
            WeekView => "vue semaine",
            SignedInToOscarAs => "Utilisateur Oscar (no de fournisseur)",
            UnknownProvider => "non affiché sur cette page",
            Patient => "Patient",
            DemographicNo => "No démographique",
            AppointmentsRead => "Rendez-vous avec des patients",
            Appointment => "No de rendez-vous",
            Provider => "Fournisseur",
            Name => "Nom",
            CouldNotRead => "Cortico n'a pas pu lire cette page :",
            PluginVersion => "Version du module",
            NoDemographicNumber => "aucun numéro de patient n'a été trouvé dans ce dossier.",
            NoScheduleGrid => "cette page d'horaire n'a pas de grille de rendez-vous.",
        },
    }
}
