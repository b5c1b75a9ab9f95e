//! "About this page": what the plug-in read from Oscar, for staff and for the
//! clinic's IT person when something looks wrong.

use leptos::prelude::*;

use super::{context_error_text, PageInfo};
use crate::context::PageContext;
use crate::i18n::{t, Msg};

/// Shows the page kind and the context read from it.
#[component]
pub fn AboutPage() -> impl IntoView {
    let Some(info) = use_context::<PageInfo>() else {
        return ().into_any();
    };
    let lang = info.lang;
    let body = match info.context {
        Err(err) => view! {
            <p class="error" role="alert">{t(lang, Msg::CouldNotRead)} " " {context_error_text(lang, &err)}</p>
        }
        .into_any(),
        Ok(PageContext::Echart(echart)) => view! {
            <dl class="facts" data-testid="about-echart">
                <dt>{t(lang, Msg::PageEchart)}</dt><dd></dd>
                <dt>{t(lang, Msg::Patient)}</dt><dd data-field="patient-name">{echart.patient.name.display()}</dd>
                <dt>{t(lang, Msg::DemographicNo)}</dt><dd data-field="demographic-no">{echart.patient.demographic_no}</dd>
            </dl>
        }
        .into_any(),
        Ok(PageContext::Schedule(schedule)) => {
            let provider = schedule.provider_no.clone().unwrap_or_else(|| t(lang, Msg::UnknownProvider).to_owned());
            let count = schedule.appointments.len();
            let rows = schedule
                .appointments
                .into_iter()
                .map(|a| {
                    view! {
                        <tr data-appointment-no=a.appointment_no>
                            <td>{a.appointment_no}</td>
                            <td>{a.demographic_no}</td>
                            <td>{a.provider_no}</td>
                            <td>{a.name}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <dl class="facts" data-testid="about-schedule">
                    <dt>{t(lang, Msg::PageSchedule)}</dt>
                    <dd>{schedule.week_view.then(|| t(lang, Msg::WeekView))}</dd>
                    <dt>{t(lang, Msg::SignedInToOscarAs)}</dt><dd data-field="provider-no">{provider}</dd>
                    <dt>{t(lang, Msg::AppointmentsRead)}</dt><dd data-field="appointment-count">{count}</dd>
                </dl>
                <div class="table-scroll">
                    <table class="appointments">
                        <thead><tr>
                            <th>{t(lang, Msg::Appointment)}</th>
                            <th>{t(lang, Msg::DemographicNo)}</th>
                            <th>{t(lang, Msg::Provider)}</th>
                            <th>{t(lang, Msg::Name)}</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <div class="about">
            {body}
            <p class="version">{t(lang, Msg::PluginVersion)} " " {env!("CARGO_PKG_VERSION")}</p>
        </div>
    }
    .into_any()
}
