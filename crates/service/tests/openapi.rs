//! The OpenAPI document (`src/http/openapi.json`, served at `GET /openapi.json`)
//! stays true to the code: it is OpenAPI 3.1, it documents exactly the routes
//! the router registers (found by reading `src/http/*.rs`), with the right
//! authentication, its `$ref`s resolve, its errors are `ErrorBody`, and its
//! schemas match what the protocol types really serialize to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cortico_protocol::api::{
    AttachmentInfo, AuditEntry, AuditPage, AuthorKind, ChartNoteSaved, ClinicInfo, ConversationDetail,
    ConversationPage, ConversationState, ConversationSummary, ErrorBody, MarkReadRequest, Me, Member, MessageView,
    OscarAuthorize, OscarConnectRequest, OscarConnection, OscarConnectionState, PatientDetails, PatientDetailsRequest,
    PatientSummary, ReadStatus, Role, ScheduleDay, ScheduleEntry, SendMessageRequest, SendMessageResponse,
    SignInRequest, SignInResponse, StartConversationRequest, StreamUpdate, Tab, UnreadCount,
};
use cortico_protocol::origins::{OriginRequest, OriginSource, OscarOrigin, OscarOrigins};
use cortico_protocol::{OscarPatientRef, PatientName};
use serde_json::{json, Value};

/// HTTP methods as axum's `routing` functions name them.
const METHODS: [&str; 8] = ["get", "post", "put", "delete", "patch", "head", "options", "trace"];

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn document_text() -> String {
    let path = manifest_dir().join("src/http/openapi.json");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn document() -> Value {
    serde_json::from_str(&document_text()).expect("openapi.json is valid JSON")
}

/// One `(path, method)` registered with `.route(…)`.
#[derive(Clone, Debug)]
struct Route {
    path: String,
    method: String,
    handler: String,
    file: PathBuf,
}

/// Source of a file without its whole-line comments (doc comments mention paths too).
fn source_without_comments(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text inside the parentheses whose `(` precedes `s`, and what follows the `)`.
fn balanced(s: &str) -> (&str, &str) {
    let mut depth = 1usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return (&s[..i], &s[i + 1..]);
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses in: {s}");
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The methods and handlers of a method router expression such as
/// `get(list).post(create)` or `axum::routing::post(sign_in)`.
fn methods_of(expr: &str, at: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = expr;
    while let Some(start) = rest.find(|c: char| is_ident(c)) {
        let after = &rest[start..];
        let end = after.find(|c: char| !is_ident(c)).unwrap_or(after.len());
        let ident = &after[..end];
        let tail = after[end..].trim_start();
        if let Some(inner) = tail.strip_prefix('(') {
            let (args, next) = balanced(inner);
            if METHODS.contains(&ident) {
                found.push((ident.to_owned(), args.trim().to_owned()));
            } else if ident == "any" || ident == "on" || ident.ends_with("_service") {
                panic!("{at}: `{ident}(…)` routes are not understood by this test; teach it, and document the route");
            }
            rest = next;
        } else {
            rest = &after[end..];
        }
    }
    assert!(!found.is_empty(), "{at}: no HTTP method found in `{expr}`");
    found
}

/// Every route registered in `src/http/*.rs`, by reading the `.route("…", …)` calls.
fn router_routes() -> Vec<Route> {
    let dir = manifest_dir().join("src/http");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("src/http exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut routes = Vec::new();
    for file in files {
        routes.extend(routes_in(&source_without_comments(&file), &file));
    }
    assert!(routes.len() >= 20, "suspiciously few routes found: {routes:?}");
    routes
}

/// The routes of one source file.
fn routes_in(src: &str, file: &Path) -> Vec<Route> {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    // Fallbacks (JSON 404 and 405) register no route; these would.
    for unsupported in [".nest(", ".nest_service(", ".route_service("] {
        assert!(
            !src.contains(unsupported),
            "{name}: `{unsupported}…)` is not understood by this test; teach it, and document the routes"
        );
    }
    let mut routes = Vec::new();
    {
        let mut rest = src;
        while let Some(i) = rest.find(".route(") {
            let (args, next) = balanced(&rest[i + ".route(".len()..]);
            rest = next;
            let args = args.trim_start();
            let literal =
                args.strip_prefix('"').unwrap_or_else(|| panic!("{name}: route path is not a string literal: {args}"));
            let close = literal.find('"').expect("closing quote of the route path");
            // axum 0.8 writes parameters as `{id}`, like OpenAPI; a wildcard `{*rest}` is `{rest}` there.
            let path = literal[..close].replace("{*", "{");
            let expr = literal[close + 1..]
                .trim_start()
                .strip_prefix(',')
                .unwrap_or_else(|| panic!("{name}: no method router after {path}"));
            for (method, handler) in methods_of(expr, &format!("{name} {path}")) {
                routes.push(Route { path: path.clone(), method, handler, file: file.to_owned() });
            }
        }
    }
    routes
}

/// Whether the handler takes the signed-in staff member (`StaffAuth`).
fn handler_requires_auth(route: &Route) -> bool {
    let src = source_without_comments(&route.file);
    let needle = format!("fn {}(", route.handler);
    let at = src.find(&needle).unwrap_or_else(|| {
        panic!("handler `{}` of {} {} not found in {}", route.handler, route.method, route.path, route.file.display())
    });
    let (params, _) = balanced(&src[at + needle.len()..]);
    params.contains("StaffAuth")
}

fn operations(doc: &Value) -> BTreeMap<(String, String), &Value> {
    let mut ops = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for (method, op) in item.as_object().expect("path item is an object") {
            if METHODS.contains(&method.as_str()) {
                ops.insert((path.clone(), method.clone()), op);
            }
        }
    }
    ops
}

/// Follows a local `$ref` (once; the document has no chains of bare refs).
fn deref<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            doc.pointer(r.strip_prefix('#').expect("local ref")).unwrap_or_else(|| panic!("unresolved $ref {r}"))
        }
        None => value,
    }
}

#[test]
fn the_route_scanner_reads_multi_line_chained_and_qualified_routes() {
    let src = r#"
        Router::new()
            .route("/a", post(create))
            .route(
                "/a/{id}/things",
                get(list_things).delete(remove_thing),
            )
            .route("/files/{*path}", axum::routing::get(serve_file))
            .layer(DefaultBodyLimit::disable())
    "#;
    let found: Vec<(String, String, String)> =
        routes_in(src, Path::new("x.rs")).into_iter().map(|r| (r.path, r.method, r.handler)).collect();
    let expected = [
        ("/a", "post", "create"),
        ("/a/{id}/things", "get", "list_things"),
        ("/a/{id}/things", "delete", "remove_thing"),
        ("/files/{path}", "get", "serve_file"),
    ];
    let expected: Vec<(String, String, String)> =
        expected.iter().map(|(p, m, h)| (p.to_string(), m.to_string(), h.to_string())).collect();
    assert_eq!(found, expected);
}

#[test]
fn it_is_openapi_3_1_about_this_service() {
    let doc = document();
    let version = doc["openapi"].as_str().expect("`openapi` is a string");
    assert!(version.starts_with("3.1."), "openapi is {version}");
    assert_eq!(doc["info"]["title"], "Cortico messaging service");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"],
        json!({
            "type": "http",
            "scheme": "bearer",
            "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"],
        })
    );
}

#[test]
fn it_is_indented_with_two_spaces() {
    let text = document_text();
    assert!(text.starts_with("{\n  \""), "pretty-printed, two spaces");
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        assert!(!line.starts_with('\t'), "line {}: tab", n + 1);
        assert_eq!(indent % 2, 0, "line {}: odd indentation", n + 1);
    }
}

#[test]
fn every_route_is_documented_and_every_documented_route_exists() {
    let doc = document();
    let routes = router_routes();
    let registered: BTreeSet<(String, String)> = routes.iter().map(|r| (r.path.clone(), r.method.clone())).collect();
    assert_eq!(registered.len(), routes.len(), "a route is registered twice");
    let documented: BTreeSet<(String, String)> = operations(&doc).into_keys().collect();

    let undocumented: Vec<_> = registered.difference(&documented).collect();
    assert!(undocumented.is_empty(), "routes missing from openapi.json: {undocumented:?}");
    let unrouted: Vec<_> = documented.difference(&registered).collect();
    assert!(unrouted.is_empty(), "documented but not in the router: {unrouted:?}");
}

#[test]
fn authentication_matches_the_handlers() {
    let doc = document();
    let ops = operations(&doc);
    for route in router_routes() {
        let Some(&op) = ops.get(&(route.path.clone(), route.method.clone())) else {
            panic!("{} {} is not documented", route.method, route.path);
        };
        let security = op.get("security").unwrap_or(&doc["security"]);
        let bearer = security.as_array().is_some_and(|reqs| reqs.iter().any(|r| r.get("bearerAuth").is_some()));
        let needs_auth = handler_requires_auth(&route);
        assert_eq!(
            bearer, needs_auth,
            "{} {}: documented bearer auth {bearer}, handler takes StaffAuth {needs_auth}",
            route.method, route.path
        );
        if needs_auth {
            assert!(
                op["responses"].get("401").is_some(),
                "{} {}: authenticated, but no 401 documented",
                route.method,
                route.path
            );
        }
    }
}

#[test]
fn every_ref_resolves_and_every_component_is_used() {
    fn walk(value: &Value, at: &str, refs: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    if key == "$ref" {
                        refs.push((at.to_owned(), v.as_str().expect("$ref is a string").to_owned()));
                    } else if key == "mapping" {
                        // Discriminator mappings are references too.
                        for target in v.as_object().into_iter().flat_map(|m| m.values()) {
                            if let Some(t) = target.as_str() {
                                refs.push((format!("{at}/mapping"), t.to_owned()));
                            }
                        }
                    }
                    walk(v, &format!("{at}/{key}"), refs);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{at}/{i}"), refs);
                }
            }
            _ => {}
        }
    }
    let doc = document();
    let mut refs = Vec::new();
    walk(&doc, "#", &mut refs);
    assert!(!refs.is_empty());
    for (at, target) in &refs {
        let pointer = target.strip_prefix('#').unwrap_or_else(|| panic!("{at}: $ref {target} is not local"));
        assert!(pointer.starts_with("/components/"), "{at}: $ref {target} does not point into components");
        assert!(doc.pointer(pointer).is_some(), "{at}: $ref {target} does not resolve");
    }
    let used: BTreeSet<&str> = refs.iter().map(|(_, t)| t.as_str()).collect();
    for (kind, components) in doc["components"].as_object().unwrap() {
        if kind == "securitySchemes" {
            continue;
        }
        for name in components.as_object().unwrap().keys() {
            let target = format!("#/components/{kind}/{name}");
            assert!(used.contains(target.as_str()), "{target} is never used");
        }
    }
}

#[test]
fn path_parameters_are_declared() {
    let doc = document();
    for ((path, method), op) in operations(&doc) {
        let mut declared = BTreeSet::new();
        let shared = doc["paths"][&path].get("parameters");
        for p in op.get("parameters").into_iter().chain(shared).flat_map(|v| v.as_array().unwrap()) {
            let p = deref(&doc, p);
            if p["in"] == "path" {
                assert_eq!(p["required"], true, "{method} {path}: path parameters are required");
                declared.insert(p["name"].as_str().unwrap().to_owned());
            }
        }
        let in_template: BTreeSet<String> =
            path.split('/').filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}')).map(str::to_owned).collect();
        assert_eq!(declared, in_template, "{method} {path}: path parameters");
    }
}

#[test]
fn operations_are_complete_and_errors_are_error_bodies() {
    let doc = document();
    let mut ids = BTreeSet::new();
    for ((path, method), op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}: operationId"));
        assert!(ids.insert(id.to_owned()), "operationId {id} used twice");
        assert!(op["summary"].is_string() && op["description"].is_string(), "{method} {path}: summary and description");
        let responses = op["responses"].as_object().unwrap_or_else(|| panic!("{method} {path}: responses"));
        assert!(responses.keys().any(|s| s.starts_with('2')), "{method} {path}: no success response");
        for (status, response) in responses {
            let code: u16 = status.parse().unwrap_or_else(|_| panic!("{method} {path}: status {status}"));
            let response = deref(&doc, response);
            assert!(response["description"].is_string(), "{method} {path} {status}: description");
            if code >= 400 {
                let schema = &response["content"]["application/json"]["schema"];
                assert_eq!(
                    schema["$ref"], "#/components/schemas/ErrorBody",
                    "{method} {path} {status}: errors are ErrorBody JSON"
                );
            }
        }
    }
}

/// Checks `value` against `schema` for the subset of JSON Schema the document
/// uses, strictly: objects may carry only documented properties. Records the
/// (schema, property) pairs seen, and (schema, "") for every schema visited.
fn check(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    owner: &str,
    seen: &mut BTreeSet<(String, String)>,
) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap();
        seen.insert((name.to_owned(), String::new()));
        return check(doc, deref(doc, schema), value, at, name, seen);
    }
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        if let Some(disc) = schema.get("discriminator") {
            let prop = disc["propertyName"].as_str().unwrap();
            let tag = value[prop].as_str().ok_or_else(|| format!("{at}: no `{prop}` tag"))?;
            let target =
                disc["mapping"][tag].as_str().ok_or_else(|| format!("{at}: `{prop}` {tag} is not in the mapping"))?;
            return check(doc, &json!({ "$ref": target }), value, at, owner, seen);
        }
        let passing = branches.iter().filter(|b| check(doc, b, value, at, owner, &mut BTreeSet::new()).is_ok()).count();
        return if passing == 1 { Ok(()) } else { Err(format!("{at}: {passing} oneOf branches match")) };
    }
    if let Some(c) = schema.get("const") {
        if c != value {
            return Err(format!("{at}: {value} is not {c}"));
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            return Err(format!("{at}: {value} is not one of {options:?}"));
        }
    }
    let ty = schema.get("type").and_then(Value::as_str);
    let ok = match ty {
        None => true,
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some(other) => return Err(format!("{at}: unexpected schema type {other}")),
    };
    if !ok {
        return Err(format!("{at}: {value} is not of type {}", ty.unwrap()));
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_i64), value.as_i64()) {
        if n < min {
            return Err(format!("{at}: {n} < minimum {min}"));
        }
    }
    if let Some(map) = value.as_object() {
        let properties = schema["properties"].as_object().cloned().unwrap_or_default();
        for required in schema["required"].as_array().into_iter().flatten() {
            let key = required.as_str().unwrap();
            if !map.contains_key(key) {
                return Err(format!("{at}: required `{key}` is missing"));
            }
        }
        for (key, v) in map {
            let sub = properties.get(key).ok_or_else(|| format!("{at}: `{key}` is not documented in {owner}"))?;
            seen.insert((owner.to_owned(), key.clone()));
            check(doc, sub, v, &format!("{at}.{key}"), owner, seen)?;
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(item_schema) = schema.get("items") {
            for (i, v) in items.iter().enumerate() {
                check(doc, item_schema, v, &format!("{at}[{i}]"), owner, seen)?;
            }
        }
    }
    Ok(())
}

fn summary(id: i64, unread: bool) -> ConversationSummary {
    ConversationSummary {
        id,
        patient: PatientSummary { demographic_no: 1042, first_name: "John".into(), last_name: "Smith".into() },
        state: ConversationState::Open,
        replies_allowed: true,
        last_message_at: 1_700_000_000_000,
        preview: "Your results are in.".into(),
        last_author: AuthorKind::Patient,
        unread,
    }
}

fn attachment(message_id: Option<i64>) -> AttachmentInfo {
    AttachmentInfo {
        id: 17,
        file_name: "lab results.pdf".into(),
        media_type: "application/pdf".into(),
        size: 13,
        sha256: "a".repeat(64),
        created_at: 1_700_000_000_000,
        uploaded_by: AuthorKind::Staff,
        message_id,
    }
}

fn staff_message(id: i64, read_status: ReadStatus) -> MessageView {
    MessageView {
        id,
        author_kind: AuthorKind::Staff,
        author_name: "Dr. Ann Lee".into(),
        author_staff_id: Some(3),
        body: "Please book a follow-up.".into(),
        created_at: 1_700_000_000_000,
        attachments: vec![attachment(Some(id))],
        read_status: Some(read_status),
    }
}

fn send_request() -> SendMessageRequest {
    SendMessageRequest {
        body: "Hello".into(),
        attachment_ids: vec![17],
        allow_replies: true,
        idempotency_key: "3f0c9a6e-5b1d".into(),
    }
}

fn me() -> Me {
    Me {
        id: 3,
        name: "Ann Lee".into(),
        email: "ann@example.org".into(),
        role: Role::Doctor,
        clinic: ClinicInfo { slug: "medicalclinic".into(), name: "Medical Clinic".into() },
        default_tab: Tab::Mine,
    }
}

fn samples() -> Vec<(&'static str, Value)> {
    let v = |x: &dyn erased::Ser| x.to_value();
    vec![
        ("ErrorBody", v(&ErrorBody { code: "not_found".into(), message: "No such conversation.".into() })),
        (
            "SignInRequest",
            v(&SignInRequest {
                clinic: "medicalclinic".into(),
                email: "a@b.c".into(),
                password: "secret-secret".into(),
            }),
        ),
        ("SignInResponse", v(&SignInResponse { token: "t".into(), expires_at: 1, me: me() })),
        ("Me", v(&Me { role: Role::Moa, default_tab: Tab::Triage, ..me() })),
        ("Me", v(&Me { role: Role::Admin, default_tab: Tab::Patient, ..me() })),
        (
            "ConversationPage",
            v(&ConversationPage { items: vec![summary(1, true)], next_cursor: Some("1700000000000.1".into()) }),
        ),
        ("ConversationPage", v(&ConversationPage { items: vec![], next_cursor: None })),
        (
            "ConversationSummary",
            v(&ConversationSummary {
                state: ConversationState::Closed,
                last_author: AuthorKind::Staff,
                ..summary(2, false)
            }),
        ),
        (
            "ConversationDetail",
            v(&ConversationDetail {
                summary: summary(1, false),
                created_at: 1,
                messages: vec![
                    MessageView {
                        id: 9,
                        author_kind: AuthorKind::Patient,
                        author_name: "John Smith".into(),
                        author_staff_id: None,
                        body: "Thanks".into(),
                        created_at: 2,
                        attachments: vec![],
                        read_status: None,
                    },
                    staff_message(10, ReadStatus::Sent),
                    staff_message(11, ReadStatus::Read { at: 5, by: "John".into() }),
                ],
                older_cursor: Some(9),
            }),
        ),
        ("AttachmentInfo", v(&attachment(None))),
        ("AttachmentInfo", v(&AttachmentInfo { uploaded_by: AuthorKind::Patient, ..attachment(Some(4)) })),
        (
            "Member",
            v(&Member { kind: AuthorKind::Staff, name: "Ann Lee".into(), role: Some(Role::Doctor), staff_id: Some(3) }),
        ),
        ("Member", v(&Member { kind: AuthorKind::Patient, name: "John Smith".into(), role: None, staff_id: None })),
        (
            "StartConversationRequest",
            v(&StartConversationRequest {
                patient: OscarPatientRef {
                    demographic_no: 1042,
                    name: PatientName { last: "SMITH".into(), first: "JOHN".into() },
                },
                message: send_request(),
            }),
        ),
        ("SendMessageRequest", v(&send_request())),
        ("SendMessageRequest", json!({ "body": "Hi", "idempotency_key": "k1" })),
        (
            "SendMessageResponse",
            v(&SendMessageResponse {
                conversation: summary(1, false),
                message: staff_message(10, ReadStatus::Sent),
                replayed: false,
            }),
        ),
        ("MarkReadRequest", v(&MarkReadRequest { up_to_message_id: 10 })),
        ("UnreadCount", v(&UnreadCount { count: 3 })),
        ("StreamUpdate", v(&StreamUpdate { seq: 4711, unread: 3, changed: vec![52, 57], resync: false })),
        ("StreamUpdate", v(&StreamUpdate { seq: 4712, unread: 0, changed: vec![], resync: true })),
        (
            "AuditPage",
            v(&AuditPage {
                items: vec![
                    AuditEntry {
                        id: 2,
                        at: 1,
                        actor_kind: "staff".into(),
                        actor: "ann@example.org".into(),
                        action: "message.send".into(),
                        patient_demographic_no: Some(1042),
                        conversation_id: Some(1),
                    },
                    AuditEntry {
                        id: 1,
                        at: 1,
                        actor_kind: "system".into(),
                        actor: "system".into(),
                        action: "staff.sign_in".into(),
                        patient_demographic_no: None,
                        conversation_id: None,
                    },
                ],
                next_before: Some(1),
            }),
        ),
        ("AuditPage", v(&AuditPage { items: vec![], next_before: None })),
        (
            "PatientDetails",
            v(&PatientDetails {
                demographic_no: 1042,
                first_name: "John".into(),
                last_name: "Smith".into(),
                email: Some("john@example.org".into()),
                phone: Some("555-0100".into()),
                can_verify_identity: true,
                locked: false,
                failed_checks: 0,
            }),
        ),
        (
            "PatientDetails",
            v(&PatientDetails {
                demographic_no: 7,
                first_name: String::new(),
                last_name: "Li".into(),
                email: None,
                phone: None,
                can_verify_identity: false,
                locked: true,
                failed_checks: 6,
            }),
        ),
        (
            "PatientDetailsRequest",
            v(&PatientDetailsRequest {
                first_name: Some("John".into()),
                last_name: Some("Smith".into()),
                email: Some("john@example.org".into()),
                phone: Some("555-0100".into()),
                health_card_number: Some("1234567890AB".into()),
                date_of_birth: Some("1980-04-30".into()),
            }),
        ),
        ("PatientDetailsRequest", v(&PatientDetailsRequest::default())),
        (
            "OscarOrigins",
            v(&OscarOrigins {
                origins: vec![
                    OscarOrigin { origin: "https://emr.clinic.example".into(), source: OriginSource::OscarConnection },
                    OscarOrigin { origin: "https://emr2.clinic.example:8443".into(), source: OriginSource::Added },
                ],
            }),
        ),
        ("OriginRequest", v(&OriginRequest { origin: "https://emr2.clinic.example:8443".into() })),
        ("Health", json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") })),
        (
            "OscarConnection",
            v(&OscarConnection {
                state: OscarConnectionState::Broken,
                base_url: Some("https://emr.clinic.example/oscar".into()),
                client_key: Some("k3y0123456789abc".into()),
                provider_name: Some("Helen Marchetti".into()),
                problem: Some("Oscar refused the service's access token.".into()),
                callback_uri: "https://messages.clinic.example/oscar/callback".into(),
                updated_at: Some(1_700_000_000_000),
            }),
        ),
        (
            "OscarConnectRequest",
            v(&OscarConnectRequest {
                base_url: "https://emr.clinic.example/oscar".into(),
                client_key: "k3y0123456789abc".into(),
                client_secret: Some("s3cr3t0123456789".into()),
                signature_method: Some("HMAC-SHA1".into()),
            }),
        ),
        (
            "OscarAuthorize",
            v(&OscarAuthorize { authorize_url: "https://emr/oscar/ws/oauth/authorize?oauth_token=t".into() }),
        ),
        (
            "ScheduleDay",
            v(&ScheduleDay {
                date: "2026-11-23".into(),
                appointments: vec![ScheduleEntry {
                    appointment_no: 51,
                    demographic_no: 1042,
                    start_time: "09:15 AM".into(),
                    unread: 1,
                }],
            }),
        ),
        ("ChartNoteSaved", v(&ChartNoteSaved { note_id: Some("88".into()), saved_at: 1_700_000_000_000, messages: 3 })),
    ]
}

/// Serialization behind a trait object, so the samples can be one list.
mod erased {
    pub trait Ser {
        fn to_value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_value(&self) -> serde_json::Value {
            serde_json::to_value(self).expect("protocol types serialize")
        }
    }
}

#[test]
fn schemas_match_what_the_protocol_types_serialize_to() {
    let doc = document();
    let mut seen = BTreeSet::new();
    let mut checked = BTreeSet::new();
    for (name, value) in samples() {
        let schema = json!({ "$ref": format!("#/components/schemas/{name}") });
        check(&doc, &schema, &value, name, name, &mut seen)
            .unwrap_or_else(|e| panic!("{name} sample {value} does not match the document: {e}"));
        checked.insert(name);
    }
    // The other way round: no documented property that the types never write.
    let owners: BTreeSet<&String> = seen.iter().map(|(owner, _)| owner).collect();
    for owner in owners {
        let properties = doc["components"]["schemas"][owner]["properties"].as_object();
        for key in properties.into_iter().flat_map(|p| p.keys()) {
            assert!(
                seen.contains(&(owner.clone(), key.clone())),
                "{owner}.{key} is documented but no serialized sample has it"
            );
        }
    }
    // Every schema was checked against a real value (StreamEvent is the SSE
    // framing, checked through its `StreamUpdate` data).
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        let covered =
            checked.contains(name.as_str()) || seen.iter().any(|(owner, _)| owner == name) || name == "StreamEvent";
        assert!(covered, "schema {name} has no sample");
    }
    // Enums list exactly the values serde writes.
    let enum_values = |name: &str| doc["components"]["schemas"][name]["enum"].clone();
    assert_eq!(enum_values("Role"), json!([Role::Doctor, Role::Moa, Role::Admin]));
    assert_eq!(enum_values("Tab"), json!([Tab::Triage, Tab::Mine, Tab::Patient]));
    assert_eq!(enum_values("ConversationState"), json!([ConversationState::Open, ConversationState::Closed]));
    assert_eq!(enum_values("AuthorKind"), json!([AuthorKind::Staff, AuthorKind::Patient]));
    assert_eq!(
        enum_values("OscarConnectionState"),
        json!([
            OscarConnectionState::NotConnected,
            OscarConnectionState::Authorizing,
            OscarConnectionState::Connected,
            OscarConnectionState::Broken
        ])
    );
}

#[test]
fn documented_limits_are_the_code_limits() {
    use cortico_protocol::api::limits::{MAX_ATTACHMENTS_PER_MESSAGE, MAX_ATTACHMENT_BYTES, MAX_MESSAGE_CHARS};
    let doc = document();
    let send = &doc["components"]["schemas"]["SendMessageRequest"]["properties"];
    assert_eq!(send["body"]["maxLength"], json!(MAX_MESSAGE_CHARS));
    assert_eq!(send["attachment_ids"]["maxItems"], json!(MAX_ATTACHMENTS_PER_MESSAGE));
    let upload = &doc["paths"]["/api/attachments"]["post"]["requestBody"]["content"];
    for (_, media) in upload.as_object().unwrap() {
        assert_eq!(media["schema"]["maxLength"], json!(MAX_ATTACHMENT_BYTES));
    }
    assert_eq!(
        doc["components"]["schemas"]["AttachmentInfo"]["properties"]["size"]["maximum"],
        json!(MAX_ATTACHMENT_BYTES)
    );
    // The stream is documented as SSE whose events carry StreamUpdate.
    let stream = &doc["paths"]["/api/stream"]["get"]["responses"]["200"]["content"]["text/event-stream"];
    assert_eq!(stream["schema"]["items"]["$ref"], "#/components/schemas/StreamEvent");
    let event = &doc["components"]["schemas"]["StreamEvent"]["properties"];
    assert_eq!(event["event"]["const"], "update");
    assert_eq!(event["data"]["contentSchema"]["$ref"], "#/components/schemas/StreamUpdate");
}
