//! The OAuth 1.0a provider: the three-legged flow and classic's and Open-O's
//! validation rules (`oscar-reference.md` §3, §7).

mod common;

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, WWW_AUTHENTICATE};
use axum::http::{Request, StatusCode};
use common::*;
use oscar_sim::clinic::Variant;
use serde_json::json;

#[tokio::test]
async fn three_legged_flow_gives_a_token_that_runs_as_the_signed_in_provider() {
    let sim = Sim::new(Variant::Classic);
    let client = sim.register("http://app.test", json!(null)).await;
    assert_eq!(client.lifetime, -1);
    assert_eq!(client.key.len(), 16);
    assert!(client.secret.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
    let creds = sim.three_legged(&client, "100002").await;
    assert_eq!(creds.token.len(), 36, "a UUID");

    let body = sim.rest_json(&creds, "status/checkIfAuthed").await;
    assert_eq!(body, json!({"success": true, "message": "100002"}));
    let tokens = sim.tokens().await;
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["token"], creds.token.as_str());
    assert_eq!(tokens[0]["provider_no"], "100002");
    assert_eq!(tokens[0]["client_key"], client.key.as_str());
    assert_eq!(tokens[0]["lifetime"], -1);
    assert!((tokens[0]["issued"].as_i64().unwrap() - sim.now()).abs() <= 1);
    assert!(tokens[0].get("secret").is_none());
}

#[tokio::test]
async fn open_o_flow_posts_the_decision_to_authorize() {
    let sim = Sim::new(Variant::OpenO);
    let client = sim.register("http://app.test", json!(-1)).await;
    let creds = sim.three_legged(&client, "100001").await;
    let info = sim.rest_json(&creds, "oauth/info").await;
    assert_eq!(info["login"], "100001");
    // Open-O stores 3600 whatever the client says.
    assert_eq!(sim.tokens().await[0]["lifetime"], 3600);
}

#[tokio::test]
async fn request_token_is_single_use() {
    let sim = Sim::new(Variant::Classic);
    let client = sim.register("http://app.test", json!(-1)).await;
    let response = sim.initiate(&client, "http://app.test/cb", &sim.sign()).await;
    let form = form_map(&text(response).await);
    let creds = Creds {
        consumer_key: client.key.clone(),
        consumer_secret: client.secret.clone(),
        token: form["oauth_token"].clone(),
        token_secret: form["oauth_token_secret"].clone(),
    };
    // Not authorized yet: no verifier matches.
    let request =
        sim.signed("POST", "/oscar/ws/oauth/token", Payload::None, &creds, &[("oauth_verifier", "guess")], &sim.sign());
    let response = sim.send(request).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(text(response).await, "verifier_invalid");
    // Missing the verifier altogether is a 400.
    let request = sim.signed("POST", "/oscar/ws/oauth/token", Payload::None, &creds, &[], &sim.sign());
    let response = sim.send(request).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(text(response).await, "parameter_absent - oauth_verifier");
}

#[tokio::test]
async fn authorize_page_asks_for_a_login_and_refuses_unknown_tokens() {
    let sim = Sim::new(Variant::Classic);
    let client = sim.register("http://app.test", json!(-1)).await;
    let form = form_map(&text(sim.initiate(&client, "http://app.test/cb", &sim.sign()).await).await);
    let token = &form["oauth_token"];
    let page = text(sim.get(&format!("/oscar/ws/oauth/authorize?oauth_token={token}")).await).await;
    for needle in [
        "action=\"/oscar/login.do\"",
        "name=\"username\"",
        "name=\"password\"",
        "name=\"pin\"",
        &format!("<input type=\"hidden\" name=\"oauth_token\" value=\"{token}\">"),
        "Test app",
    ] {
        assert!(page.contains(needle), "{needle}\n{page}");
    }
    // A wrong PIN shows the 3rd-party page again, with an error.
    let login = Request::post("/oscar/login.do")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("username=100001&password=oscar-sim&pin=0000&oauth_token={token}")))
        .unwrap();
    let response = sim.send(login).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let page = text(response).await;
    assert!(page.contains("not correct") && page.contains(&format!("value=\"{token}\"")), "{page}");

    let unknown = sim.get("/oscar/ws/oauth/authorize?oauth_token=nope").await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn decision_needs_the_pages_authenticity_token_and_deny_reports_user_refused() {
    let sim = Sim::new(Variant::Classic);
    let client = sim.register("http://app.test", json!(-1)).await;
    let form = form_map(&text(sim.initiate(&client, "http://app.test/cb", &sim.sign()).await).await);
    let token = form["oauth_token"].clone();
    let login = Request::post("/oscar/login.do")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("username=100001&password=oscar-sim&pin=1117&oauth_token={token}")))
        .unwrap();
    let cookie = cookie(&sim.send(login).await);
    let page = sim
        .send(
            Request::get(format!("/oscar/ws/oauth/authorize?oauth_token={token}"))
                .header(COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let page = text(page).await;
    assert!(
        page.contains("name=\"oauthDecision\" value=\"allow\"")
            && page.contains("name=\"oauthDecision\" value=\"deny\"")
    );
    let authenticity = hidden_value(&page, "session_authenticity_token").unwrap();
    let decide = |sat: &str, decision: &str| {
        Request::post("/oscar/ws/oauth/authorize/decision")
            .header(COOKIE, &cookie)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("session_authenticity_token={sat}&oauth_token={token}&oauthDecision={decision}")))
            .unwrap()
    };
    assert_eq!(sim.send(decide("forged", "allow")).await.status(), StatusCode::BAD_REQUEST);
    let response = sim.send(decide(&authenticity, "deny")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("http://app.test/cb?oauth_token={token}&oauth_problem=user_refused"));
    // The authenticity token and the request token are used up.
    assert_eq!(sim.send(decide(&authenticity, "allow")).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn classic_callback_must_start_with_the_registered_uri() {
    let sim = Sim::new(Variant::Classic);
    let client = sim.register("https://app.test/oscar", json!(-1)).await;
    for callback in ["https://app.test/oscar/cb?x=1", "https://app.test/oscar"] {
        assert_eq!(sim.initiate(&client, callback, &sim.sign()).await.status(), StatusCode::OK, "{callback}");
    }
    for callback in ["https://evil.test/oscar/cb", "HTTPS://app.test/oscar/cb", "https://app.test/osc", "", "oob"] {
        let response = sim.initiate(&client, callback, &sim.sign()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{callback}");
        assert_eq!(text(response).await, "parameter_rejected - oauth_callback");
    }
    // Open-O does not check it.
    let sim = Sim::new(Variant::OpenO);
    let client = sim.register("https://app.test/oscar", json!(-1)).await;
    assert_eq!(sim.initiate(&client, "https://elsewhere.test/cb", &sim.sign()).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn classic_initiate_status_codes() {
    let sim = Sim::new(Variant::Classic);
    let client = sim.register("http://app.test", json!(-1)).await;
    let cb = "http://app.test/cb";
    let stale = Sign { timestamp: sim.now() - 301, ..sim.sign() };
    let response = sim.initiate(&client, cb, &stale).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(text(response).await, "timestamp_refused");
    let ahead = Sign { timestamp: sim.now() + 290, ..sim.sign() };
    assert_eq!(sim.initiate(&client, cb, &ahead).await.status(), StatusCode::OK);

    let rsa = Sign { method: "RSA-SHA1", ..sim.sign() };
    assert_eq!(sim.initiate(&client, cb, &rsa).await.status(), StatusCode::BAD_REQUEST);
    let plaintext = Sign { method: "PLAINTEXT", ..sim.sign() };
    assert_eq!(sim.initiate(&client, cb, &plaintext).await.status(), StatusCode::OK);
    let no_nonce = Sign { omit: vec!["oauth_nonce"], ..sim.sign() };
    let response = sim.initiate(&client, cb, &no_nonce).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(text(response).await, "parameter_absent - oauth_nonce");
    let bad = Sign { tamper: true, ..sim.sign() };
    assert_eq!(sim.initiate(&client, cb, &bad).await.status(), StatusCode::UNAUTHORIZED);
    let stranger = Client { key: "0000000000000000".into(), ..client.clone() };
    let response = sim.initiate(&stranger, cb, &sim.sign()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(text(response).await, "consumer_key_unknown");
    // GET works too on classic, not on Open-O.
    let creds = Creds { consumer_key: client.key.clone(), consumer_secret: client.secret.clone(), ..Creds::default() };
    let get = sim.signed(
        "GET",
        "/oscar/ws/oauth/initiate?oauth_callback=http%3A%2F%2Fapp.test%2Fcb",
        Payload::None,
        &creds,
        &[],
        &sim.sign(),
    );
    assert_eq!(sim.send(get).await.status(), StatusCode::OK);
    let openo = Sim::new(Variant::OpenO);
    assert_eq!(openo.get("/oscar/ws/oauth/initiate").await.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn parameters_in_a_form_body_and_the_query_are_signed() {
    let sim = Sim::new(Variant::Classic);
    let client = sim.register("http://app.test", json!(-1)).await;
    let creds = Creds { consumer_key: client.key.clone(), consumer_secret: client.secret.clone(), ..Creds::default() };
    let form = [("oauth_callback", "http://app.test/cb?a=1&b=2"), ("x_oauth_scope", "read write")];
    let request =
        sim.signed("POST", "/oscar/ws/oauth/initiate?lang=en%20CA", Payload::Form(&form), &creds, &[], &sim.sign());
    assert_eq!(sim.send(request).await.status(), StatusCode::OK);
    // A signature that left the form body out does not match.
    let header = authorization("POST", "/oscar/ws/oauth/initiate", &[], &creds, &[], &sim.sign());
    let request = Request::post("/oscar/ws/oauth/initiate")
        .header(axum::http::header::AUTHORIZATION, header)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("oauth_callback=http%3A%2F%2Fapp.test%2Fcb"))
        .unwrap();
    assert_eq!(sim.send(request).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_nonce_is_used_up_even_by_a_badly_signed_request() {
    let sim = Sim::new(Variant::Classic);
    let client = sim.register("http://app.test", json!(-1)).await;
    let how = sim.sign();
    let bad = Sign { tamper: true, ..how.clone() };
    assert_eq!(sim.initiate(&client, "http://app.test/cb", &bad).await.status(), StatusCode::UNAUTHORIZED);
    let response = sim.initiate(&client, "http://app.test/cb", &how).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(text(response).await, "nonce_used");
    assert_eq!(sim.initiate(&client, "http://app.test/cb", &sim.sign()).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn bad_signature_stale_timestamp_or_replay_with_a_valid_token_deletes_it() {
    let sim = Sim::new(Variant::Classic);
    let client = sim.register("http://app.test", json!(-1)).await;
    let path = "/oscar/ws/services/status/checkIfAuthed";

    let failures: [fn(&Sim) -> Sign; 2] =
        [|sim| Sign { tamper: true, ..sim.sign() }, |sim| Sign { timestamp: sim.now() - 600, ..sim.sign() }];
    for failure in failures {
        let creds = sim.mint(&client, "100001").await;
        let response = sim.send(sim.signed("GET", path, Payload::None, &creds, &[], &failure(&sim))).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers().get(WWW_AUTHENTICATE).unwrap(), "OAuth");
        assert!(sim.tokens().await.is_empty(), "token deleted");
        assert_eq!(sim.rest_get(&creds, "status/checkIfAuthed").await.status(), StatusCode::UNAUTHORIZED);
    }

    // A replayed nonce: the first call works, the replay deletes the token.
    let creds = sim.mint(&client, "100001").await;
    let how = sim.sign();
    assert_eq!(sim.send(sim.signed("GET", path, Payload::None, &creds, &[], &how)).await.status(), StatusCode::OK);
    assert_eq!(
        sim.send(sim.signed("GET", path, Payload::None, &creds, &[], &how)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(sim.tokens().await.is_empty());
}

#[tokio::test]
async fn a_missing_parameter_is_refused_without_deleting_the_token() {
    let sim = Sim::new(Variant::Classic);
    let client = sim.register("http://app.test", json!(-1)).await;
    let creds = sim.mint(&client, "100001").await;
    let no_nonce = Sign { omit: vec!["oauth_nonce"], ..sim.sign() };
    let response = sim
        .send(sim.signed("GET", "/oscar/ws/services/status/checkIfAuthed", Payload::None, &creds, &[], &no_nonce))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers().get(WWW_AUTHENTICATE).unwrap(), "OAuth");
    assert_eq!(sim.tokens().await.len(), 1);
    assert_eq!(sim.rest_get(&creds, "status/checkIfAuthed").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn lifetime_zero_expires_from_the_next_second_and_minus_one_never() {
    let sim = Sim::new(Variant::Classic);
    // The admin page stores a blank lifetime as 0, as Oscar does.
    let add = Request::post("/oscar/admin/api/clients.jsp")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("name=Zero&uri=http%3A%2F%2Fzero.test&lifetime="))
        .unwrap();
    assert_eq!(sim.send(add).await.status(), StatusCode::FOUND);
    let (_, clients) = sim.json("GET", "/__sim/rest-clients", serde_json::Value::Null).await;
    let zero = &clients[0];
    assert_eq!(zero["lifetime"], 0);
    let zero = Client {
        key: zero["key"].as_str().unwrap().into(),
        secret: zero["secret"].as_str().unwrap().into(),
        uri: "http://zero.test".into(),
        lifetime: 0,
    };
    let creds = sim.mint(&zero, "100001").await;
    let issued = sim.tokens().await[0]["issued"].as_i64().unwrap();
    let status = sim.rest_get(&creds, "status/checkIfAuthed").await.status();
    if sim.now() == issued {
        // Still the second it was issued in.
        assert_eq!(status, StatusCode::OK);
    }
    sim.faults(json!({"clock_offset_secs": 1})).await;
    assert_eq!(sim.rest_get(&creds, "status/checkIfAuthed").await.status(), StatusCode::UNAUTHORIZED);
    assert!(sim.tokens().await.is_empty(), "an expired token is removed");

    let forever = sim.register("http://app.test", json!(-1)).await;
    let creds = sim.mint(&forever, "100001").await;
    sim.faults(json!({"clock_offset_secs": 10 * 365 * 86_400})).await;
    assert_eq!(sim.rest_get(&creds, "status/checkIfAuthed").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn open_o_checks_only_time_and_hmac_and_never_deletes() {
    let sim = Sim::new(Variant::OpenO);
    let client = sim.register("http://app.test", json!(0)).await;
    let creds = sim.mint(&client, "100002").await;
    let path = "/oscar/ws/services/status/checkIfAuthed";
    // Any method name: Open-O computes HMAC-SHA1 (and so does the helper for
    // a name it does not know).
    let how = Sign { method: "FANCY-SHA1", ..sim.sign() };
    assert_eq!(sim.send(sim.signed("GET", path, Payload::None, &creds, &[], &how)).await.status(), StatusCode::OK);
    // No nonce store: a replay works.
    assert_eq!(sim.send(sim.signed("GET", path, Payload::None, &creds, &[], &how)).await.status(), StatusCode::OK);
    // Failures are 401 and keep the token.
    let bad = Sign { tamper: true, ..sim.sign() };
    assert_eq!(
        sim.send(sim.signed("GET", path, Payload::None, &creds, &[], &bad)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let stale = Sign { timestamp: sim.now() - 301, ..sim.sign() };
    assert_eq!(
        sim.send(sim.signed("GET", path, Payload::None, &creds, &[], &stale)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(sim.tokens().await.len(), 1);
    // No lifetime check.
    sim.faults(json!({"clock_offset_secs": 86_400})).await;
    assert_eq!(sim.rest_get(&creds, "status/checkIfAuthed").await.status(), StatusCode::OK);
    // No OAuth at all: let through without a user, and the service fails.
    assert_eq!(sim.get(path).await.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn revoked_tokens_stop_working() {
    let sim = Sim::new(Variant::Classic);
    let client = sim.register("http://app.test", json!(-1)).await;
    let creds = sim.mint(&client, "100001").await;
    let uri = format!("/__sim/access-tokens/{}", creds.token);
    let revoke = |uri: &str| Request::delete(uri).body(Body::empty()).unwrap();
    assert_eq!(sim.send(revoke(&uri)).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(sim.send(revoke(&uri)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(sim.rest_get(&creds, "status/checkIfAuthed").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admin_page_lists_clients_and_parses_lifetimes_like_oscar() {
    let sim = Sim::new(Variant::Classic);
    for (name, lifetime) in [("A", "abc"), ("B", "-1"), ("C", "3600")] {
        let add = Request::post("/oscar/admin/api/clients.jsp")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("name={name}&uri=http%3A%2F%2Fa.test&lifetime={lifetime}")))
            .unwrap();
        let response = sim.send(add).await;
        assert_eq!(location(&response), "/oscar/admin/api/clients.jsp");
    }
    let (_, clients) = sim.json("GET", "/__sim/rest-clients", serde_json::Value::Null).await;
    let lifetimes: Vec<i64> = clients.as_array().unwrap().iter().map(|c| c["lifetime"].as_i64().unwrap()).collect();
    assert_eq!(lifetimes, [0, -1, 3600]);
    let page = text(sim.get("/oscar/admin/api/clients.jsp").await).await;
    assert!(page.contains("Token Lifetime (seconds)") && page.contains("name=\"uri\""));
    assert!(page.contains(clients[1]["key"].as_str().unwrap()));
}

#[tokio::test]
async fn a_client_from_the_config_is_registered_at_start() {
    let config = oscar_sim::server::SimConfig {
        rest_client: Some(oscar_sim::server::NewRestClient {
            name: "Cortico".into(),
            uri: "http://cortico.test".into(),
            lifetime: -1,
            key: Some("fixedkey12345678".into()),
            secret: None,
        }),
        ..oscar_sim::server::SimConfig::new(monday())
    };
    let sim = Sim::with_config(config);
    let (_, clients) = sim.json("GET", "/__sim/rest-clients", serde_json::Value::Null).await;
    assert_eq!(clients[0]["key"], "fixedkey12345678");
    assert_eq!(clients[0]["secret"].as_str().unwrap().len(), 16);
}
