//! The development identity provider: the liveness token decides the verdict
//! (`pass`, or `fail` / `fail:<reason>`), and its liveness "check" is a page
//! (`GET /sandbox/liveness/{business_no}`) that only asks which outcome to return.

use axum::Router;
use axum::extract::Path;
use axum::response::Html;
use axum::routing::get;
use protocol::business_no::BusinessNo;

use crate::error::{AppError, AppResult};
use crate::expired::identity_provider::{self, Person, Verdict, VerifierError};

/// The development provider: the liveness token decides.
pub struct Verifier;

#[async_trait::async_trait]
impl identity_provider::Verifier for Verifier {
    fn name(&self) -> &'static str {
        "sandbox"
    }
    async fn verify(&self, person: &Person<'_>) -> Result<Verdict, VerifierError> {
        let reference = format!("SBXID{}", crate::random::hex(6).to_uppercase());
        let token = person.liveness_token.trim();
        Ok(if token == "pass" {
            Verdict::Passed { reference }
        } else if let Some(reason) = token.strip_prefix("fail:") {
            Verdict::Failed {
                reason: reason.trim().to_owned(),
                reference,
            }
        } else if token == "fail" {
            Verdict::Failed {
                reason: "the face does not match the ID card photo".into(),
                reference,
            }
        } else {
            Verdict::Failed {
                reason: "the liveness check was not completed".into(),
                reference,
            }
        })
    }
    fn liveness_url(&self, business_no: &str) -> Result<String, VerifierError> {
        Ok(format!("/sandbox/liveness/{business_no}"))
    }
}

/// The provider's page (`GET /sandbox/liveness/{no}`): two links back to the
/// application, one per outcome.
async fn page(Path(business_no): Path<String>) -> AppResult<Html<String>> {
    // Only a well-formed number goes into the page (and into the links back).
    let no = BusinessNo::parse(&business_no)
        .map_err(|_| AppError::not_found("no such application"))?
        .to_string();
    Ok(Html(format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>沙箱活体检测 Sandbox liveness check</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}}a{{display:inline-block;font-size:1.1rem;padding:.6rem 1.2rem;margin:.3rem;border:1px solid #888;border-radius:.3rem;text-decoration:none}}</style></head>
<body><h1>沙箱活体检测 <small>Sandbox liveness check</small></h1>
<p>开发环境专用：真实环境中，这里由实名认证服务商进行人脸识别。Development only: a real provider checks the face here.</p>
<p>业务单号 Order: <code id="business-no">{no}</code></p>
<a id="liveness-pass" href="/expired/{no}?liveness_token=pass">检测通过 Pass</a>
<a id="liveness-fail" href="/expired/{no}?liveness_token=fail%3A%E4%BA%BA%E8%84%B8%E4%B8%8E%E8%BA%AB%E4%BB%BD%E8%AF%81%E7%85%A7%E7%89%87%E4%B8%8D%E4%B8%80%E8%87%B4">检测不通过 Fail</a>
</body></html>"#
    )))
}

/// The liveness page's route.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/sandbox/liveness/{business_no}", get(page))
}
