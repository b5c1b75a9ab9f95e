//! TEMPORARY probe.
use cortico_service::http::AppState;
use std::time::Instant;

pub async fn probe(state: &AppState, convs: &[i64]) -> anyhow::Result<()> {
    use cortico_service::store::{conversations, Actor};
    let staff_id: i64 = sqlx::query_scalar("SELECT MIN(id) FROM staff")
        .fetch_one(state.db.read())
        .await?;
    let clinic_id: i64 = sqlx::query_scalar("SELECT MIN(id) FROM clinics")
        .fetch_one(state.db.read())
        .await?;
    for round in 0..3 {
        let began = Instant::now();
        let n = 4000;
        let futs = (0..n).map(|i| {
            let out = conversations::Outgoing {
                body: "x".repeat(200),
                attachment_ids: vec![],
                allow_replies: false,
                idempotency_key: format!("p{round}-{i}"),
            };
            conversations::send(
                &state.db,
                Actor::Staff {
                    id: staff_id,
                    clinic_id,
                },
                convs[i % convs.len()],
                out,
                state.clock.now(),
            )
        });
        futures::future::try_join_all(futs).await?;
        eprintln!(
            "probe: {n} concurrent store sends: {:.0} /s",
            n as f64 / began.elapsed().as_secs_f64()
        );
    }
    for stmts in [0usize, 1, 5, 15, 30] {
        let n = 300;
        let began = Instant::now();
        for _ in 0..n {
            state
                .db
                .write(move |w| {
                    Box::pin(async move {
                        for _ in 0..stmts {
                            let _: i64 = sqlx::query_scalar("SELECT 1")
                                .fetch_one(&mut w.conn)
                                .await?;
                        }
                        Ok(())
                    })
                })
                .await?;
        }
        eprintln!(
            "probe: sequential writes with {stmts} statements: {:.0} us each",
            began.elapsed().as_micros() as f64 / n as f64
        );
    }
    // Concurrent: 64 at once.
    for stmts in [0usize, 15] {
        let began = Instant::now();
        let futs = (0..3000).map(|_| {
            state.db.write(move |w| {
                Box::pin(async move {
                    for _ in 0..stmts {
                        let _: i64 = sqlx::query_scalar("SELECT 1")
                            .fetch_one(&mut w.conn)
                            .await?;
                    }
                    Ok(())
                })
            })
        });
        futures::future::try_join_all(futs).await?;
        eprintln!(
            "probe: 3000 concurrent writes with {stmts} statements: {:.0} /s",
            3000.0 / began.elapsed().as_secs_f64()
        );
    }
    for _ in 0..3 {
        let began = Instant::now();
        let n = 2000;
        for _ in 0..n {
            let _: i64 = sqlx::query_scalar("SELECT 1")
                .fetch_one(state.db.read())
                .await?;
        }
        eprintln!(
            "probe: reader pool SELECT 1: {:.0} us each",
            began.elapsed().as_micros() as f64 / n as f64
        );
    }
    Ok(())
}
