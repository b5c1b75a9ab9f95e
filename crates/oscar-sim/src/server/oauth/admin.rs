//! `<ctx>/admin/api/clients.jsp`: Administration → Integration → REST
//! Clients. A table of the registered clients and an Add form (Name, URI,
//! Token Lifetime (seconds)). As Oscar's `clientManage.json` does, the key
//! and secret are 16 random `[0-9a-z]`, and a blank or non-numeric lifetime
//! is stored as 0 (tokens that expire after the second they are issued in).

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use axum::Form;

use super::store::NewRestClient;
use crate::pages::html::esc;
use crate::server::respond::{found, html};
use crate::server::SimState;

/// Oscar's lifetime parsing: `Integer.parseInt`, and 0 when that throws.
pub(crate) fn parse_lifetime(text: &str) -> i64 {
    text.parse::<i32>().map_or(0, i64::from)
}

/// `GET <ctx>/admin/api/clients.jsp`.
pub(super) async fn clients_page(State(state): State<SimState>) -> Response {
    let rows: String = state
        .oauth
        .clients()
        .iter()
        .map(|c| {
            format!(
                "<tr><td class=\"name\">{}</td><td class=\"key\">{}</td><td class=\"secret\">{}</td><td class=\"uri\">{}</td><td class=\"lifetime\">{}</td></tr>\n",
                esc(&c.name),
                esc(&c.key),
                esc(&c.secret),
                esc(&c.uri),
                c.lifetime
            )
        })
        .collect();
    html(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"UTF-8\">\n<title>REST Clients</title>\n</head>\n<body>\n\
         <h2>REST Clients</h2>\n<table id=\"clientTable\" border=\"1\">\n\
         <tr><th>Name</th><th>Key</th><th>Secret</th><th>URI</th><th>Token Lifetime (seconds)</th></tr>\n{rows}</table>\n\
         <h3>Add</h3>\n<form id=\"addClientForm\" method=\"post\" action=\"{action}\">\n\
         <label>Name <input type=\"text\" name=\"name\"></label><br>\n\
         <label>URI <input type=\"text\" name=\"uri\"></label><br>\n\
         <label>Token Lifetime (seconds) <input type=\"text\" name=\"lifetime\"></label><br>\n\
         <input type=\"submit\" value=\"Add\">\n</form>\n</body>\n</html>\n",
        action = esc(&state.url("/admin/api/clients.jsp")),
    ))
}

/// `POST <ctx>/admin/api/clients.jsp` (`name`, `uri`, `lifetime`): adds a
/// client and shows the list again.
pub(super) async fn add_client(State(state): State<SimState>, Form(form): Form<HashMap<String, String>>) -> Response {
    let get = |name: &str| form.get(name).cloned().unwrap_or_default();
    let client = state.oauth.add_client(NewRestClient {
        name: get("name"),
        uri: get("uri"),
        lifetime: parse_lifetime(&get("lifetime")),
        key: None,
        secret: None,
    });
    tracing::info!(name = %client.name, key = %client.key, lifetime = client.lifetime, "registered a REST client");
    found(&state.url("/admin/api/clients.jsp"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_parse_like_integer_parse_int() {
        assert_eq!(parse_lifetime("-1"), -1);
        assert_eq!(parse_lifetime("3600"), 3600);
        assert_eq!(parse_lifetime(""), 0);
        assert_eq!(parse_lifetime("one hour"), 0);
        assert_eq!(parse_lifetime(" 60"), 0);
        assert_eq!(parse_lifetime("99999999999"), 0);
    }
}
