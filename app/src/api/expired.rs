//! The expired-certificate path (docs/api.md §13): the SMS session and the application,
//! step by step.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{get, get_text, parse_with, post, post_file, post_no_content, segment, unreadable};
use crate::error::AppError;
use crate::models::CsrAnswer;
use crate::pages::expired::model::{
    Application, CodeSent, LivenessStart, PrintForm, Submitted, Upload,
};
use crate::read::ReadValue;
use crate::resource::Resource;
use protocol::expired::UploadKind;
use protocol::expired_request::StartRequest;
use protocol::host::Base64Bytes;

fn app_path(no: &str) -> String {
    format!("/expired/applications/{}", segment(no))
}

// The application's page reads every answer by hand from the one parsed `Value`
// (`crate::read`), and sends `Value` bodies: one `get_text` and one
// `post::<Value, Value>` future for all its calls instead of one per answer and body
// type (issue 16).

/// `GET /api/v1{path}` read by `T`'s reader.
async fn get_read<T: ReadValue>(path: &str) -> Result<T, AppError> {
    parse_with(&get_text(path).await?, T::read_value)
}

/// `POST /api/v1{path}` with `body`, read by `T`'s reader.
async fn post_read<T: ReadValue>(path: &str, body: &Value) -> Result<T, AppError> {
    let answer: Value = post(path, body).await?;
    T::read_value(&answer).map_err(|e| unreadable(&e))
}

/// `GET /expired/sessions/current`'s answer: the mobile signed in, if any.
pub struct CurrentSession {
    /// The masked mobile, when a session is open.
    pub mobile: Option<String>,
}

impl CurrentSession {
    fn read(v: &Value) -> crate::read::Res<Self> {
        Ok(CurrentSession {
            mobile: crate::read::Fields::of(v)?.opt_string("mobile")?,
        })
    }
}
crate::via_value!(CurrentSession, CurrentSession::read);

/// `GET /expired/sessions/current`.
pub async fn current_session() -> Result<CurrentSession, AppError> {
    get_read("/expired/sessions/current").await
}

/// `POST /expired/sms-codes`: sends a sign-in code (`SmsCodeRequest`: the mobile and
/// the SMS's language).
pub async fn send_code(body: &Value) -> Result<CodeSent, AppError> {
    post_read("/expired/sms-codes", body).await
}

/// `POST /expired/sessions`: signs in with the code (`SignInRequest`).
pub async fn sign_in(body: &Value) -> Result<Value, AppError> {
    post("/expired/sessions", body).await
}

/// `POST /expired/sessions/end`: signs out.
pub async fn end_session() -> Result<Value, AppError> {
    post("/expired/sessions/end", &json!({})).await
}

/// `GET /expired/applications`: the signed-in mobile's applications.
pub async fn list<T: DeserializeOwned>() -> Result<T, AppError> {
    get("/expired/applications").await
}

/// `POST /expired/applications`: starts one for a certificate.
pub async fn start(body: &StartRequest) -> Result<Application, AppError> {
    post("/expired/applications", body).await
}

/// `GET /expired/applications/{no}`.
pub async fn application(no: &str) -> Result<Application, AppError> {
    get_read(&app_path(no)).await
}

/// `POST …/details`: saves the details (`Details`); the application as it now stands.
pub async fn details(no: &str, body: &Value) -> Result<Application, AppError> {
    post_read(&format!("{}/details", app_path(no)), body).await
}

/// `POST …/{step}` of application `no` (`bank-account`, `bank-account/verify`,
/// `identity`, `cancel`): the application as it now stands.
pub async fn step(no: &str, step: Step, body: &Value) -> Result<Application, AppError> {
    post_read(&format!("{}/{}", app_path(no), step.path()), body).await
}

/// A step of the application that answers the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Sends a verification transfer to the account.
    Transfer,
    /// Checks the transfer's code.
    BankCode,
    /// Sends the liveness provider's token.
    Identity,
    /// Withdraws.
    Cancel,
}

impl Step {
    fn path(self) -> &'static str {
        match self {
            Step::Transfer => "bank-account",
            Step::BankCode => "bank-account/verify",
            Step::Identity => "identity",
            Step::Cancel => "cancel",
        }
    }
}

/// `POST …/liveness`: where the identity check's page is.
pub async fn liveness(no: &str, body: &Value) -> Result<LivenessStart, AppError> {
    post_read(&format!("{}/liveness", app_path(no)), body).await
}

/// `GET …/form`: the printable application form, as a resource (read by hand by
/// `PrintForm`'s reader through the shell's one request future, issue 16).
pub fn print_form(no: String) -> Resource<Result<PrintForm, AppError>> {
    Resource::load(
        move || format!("{}/form", app_path(&no)),
        PrintForm::read_value,
    )
}

/// `POST …/uploads?kind=…&name=…`: uploads a file the user chose.
pub async fn upload(no: &str, kind: UploadKind, file: &web_sys::File) -> Result<Upload, AppError> {
    let name = String::from(js_sys::encode_uri_component(&file.name()));
    let answer: Value = post_file(
        &format!(
            "{}/uploads?kind={}&name={name}",
            app_path(no),
            kind.as_str()
        ),
        file,
    )
    .await?;
    Upload::read_value(&answer).map_err(|e| unreadable(&e))
}

/// `POST …/submit`: hands the application over as a renewal.
pub async fn submit(no: &str) -> Result<Submitted, AppError> {
    post_read(&format!("{}/submit", app_path(no)), &json!({})).await
}

/// `POST …/renewal-session`: a renewal session for the order page.
pub async fn renewal_session(no: &str) -> Result<(), AppError> {
    post_no_content(&format!("{}/renewal-session", app_path(no))).await
}

/// `POST …/csr`: the new key's CSR (no binding signature on this path).
pub async fn csr(no: &str, csr: &Base64Bytes) -> Result<CsrAnswer, AppError> {
    post(&format!("{}/csr", app_path(no)), &json!({"csr": csr})).await
}
