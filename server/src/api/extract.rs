//! Request-body helpers: JSON whose every rejection is an [`AppError`] in the API's
//! error shape, and base64 fields decoded with the field's name in the error.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// `Json<T>` with the API's error shape.
pub struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(JsonRejection::JsonDataError(e)) => Err(AppError::BadRequest(format!(
                "the request body does not fit: {}",
                e.body_text()
            ))),
            Err(e) => Err(AppError::BadRequest(e.body_text())),
        }
    }
}

/// Decodes a base64 field, naming it in the error.
pub fn base64_field(field: &str, value: &str, max_bytes: usize) -> Result<Vec<u8>, AppError> {
    if value.len() > max_bytes.div_ceil(3) * 4 + 4 {
        return Err(AppError::validation(
            field,
            "base64.too_large",
            format!("{field} is larger than {max_bytes} bytes"),
        ));
    }
    STANDARD.decode(value.trim()).map_err(|_| {
        AppError::validation(
            field,
            "base64.invalid",
            format!("{field} is not standard base64"),
        )
    })
}
