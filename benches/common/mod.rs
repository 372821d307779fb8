//! What several benches share: a database of the bench's own, and signing in.

use std::path::Path;

use diesel::{Connection, PgConnection, RunQueryDsl};
use fieldlab::config::Settings;
use serde_json::{json, Value};

/// Points `settings` at the bench's database: a SQLite file in `dir`, or, when
/// `BENCH_DATABASE_URL` is set, a fresh PostgreSQL database made on that server. Returns the
/// server's URL and the database's name, to drop it with [`drop_database`].
pub fn create_database(settings: &mut Settings, dir: &Path) -> Option<(String, String)> {
    let pg = std::env::var("BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    match &pg {
        Some(admin) => {
            let name = format!("fieldlab_bench_{}", uuid::Uuid::new_v4().simple());
            let mut conn = PgConnection::establish(admin).expect("PostgreSQL");
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut conn)
                .expect("bench database");
            let prefix = admin.rsplit_once('/').map_or(admin.as_str(), |(p, _)| p);
            settings.database.url = format!("{prefix}/{name}");
            Some((admin.clone(), name))
        }
        None => {
            settings.database.url = dir.join("bench.db").to_string_lossy().into_owned();
            None
        }
    }
}

/// Drops the PostgreSQL database [`create_database`] made, if any.
pub fn drop_database(dropped: Option<(String, String)>) {
    if let Some((admin, name)) = dropped {
        let mut conn = PgConnection::establish(&admin).expect("PostgreSQL");
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut conn);
    }
}

/// Signs `email` in on the server at `base` (without `/api/v1`); the session's token.
pub async fn login(client: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let res: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    res["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{email} signs in: {res}"))
        .to_owned()
}
