//! The one error type of the API. Every handler returns it; it becomes
//! `{"error":{"code","message","details"}}` with a fitting status. Internal failures
//! are logged with their cause and shown to the client only as a reference.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use protocol::ErrorCode;
use serde_json::{Value, json};

/// An API failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// A value failed validation (422).
    #[error("{message}")]
    Validation {
        /// The field, as a JSON path (`operator.mobile`).
        field: String,
        /// The rule's stable name (`id_number.bad_check_character`).
        rule: String,
        /// What is wrong.
        message: String,
    },
    /// The request is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// A known, typed refusal with its own code and status.
    #[error("{message}")]
    Refused {
        /// The code.
        code: ErrorCode,
        /// The HTTP status.
        status: StatusCode,
        /// What is wrong, for a person.
        message: String,
        /// Machine-readable details.
        details: Value,
    },
    /// A database failure (500).
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Anything else unexpected (500).
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// A typed refusal.
    pub fn refused(code: ErrorCode, status: StatusCode, message: impl Into<String>) -> Self {
        Self::Refused {
            code,
            status,
            message: message.into(),
            details: Value::Null,
        }
    }

    /// The same refusal with details.
    pub fn with_details(self, details: Value) -> Self {
        match self {
            Self::Refused {
                code,
                status,
                message,
                ..
            } => Self::Refused {
                code,
                status,
                message,
                details,
            },
            other => other,
        }
    }

    /// 404 for `what`.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::refused(ErrorCode::NotFound, StatusCode::NOT_FOUND, what)
    }

    /// 409: a state machine (renewal or expired application) refused a step in state
    /// `from`; `refusal` is the machine's own message.
    pub fn illegal_transition(from: &str, refusal: impl std::fmt::Display) -> Self {
        Self::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            refusal.to_string(),
        )
        .with_details(json!({ "status": from }))
    }

    /// 401.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::refused(
            ErrorCode::Unauthenticated,
            StatusCode::UNAUTHORIZED,
            message,
        )
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::refused(ErrorCode::Forbidden, StatusCode::FORBIDDEN, message)
    }

    /// 422 for one field.
    pub fn validation(
        field: impl Into<String>,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Validation {
            field: field.into(),
            rule: rule.into(),
            message: message.into(),
        }
    }

    /// The code and status.
    pub fn code_status(&self) -> (ErrorCode, StatusCode) {
        match self {
            Self::Validation { .. } => (
                ErrorCode::ValidationFailed,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Self::BadRequest(_) => (ErrorCode::BadRequest, StatusCode::BAD_REQUEST),
            Self::Refused { code, status, .. } => (*code, *status),
            Self::Database(_) | Self::Internal(_) => {
                (ErrorCode::Internal, StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (code, status) = self.code_status();
        let (message, details) = match &self {
            Self::Validation {
                field,
                rule,
                message,
            } => (message.clone(), json!({ "field": field, "rule": rule })),
            Self::Refused {
                message, details, ..
            } => (message.clone(), details.clone()),
            Self::BadRequest(message) => (message.clone(), Value::Null),
            Self::Database(_) | Self::Internal(_) => {
                let reference = crate::random::token(6);
                tracing::error!(reference, error = %self, "internal error");
                (
                    format!(
                        "an internal error occurred (reference {reference}); please retry or contact support"
                    ),
                    Value::Null,
                )
            }
        };
        let mut body = json!({ "error": { "code": code, "message": message } });
        if !details.is_null() {
            body["error"]["details"] = details;
        }
        (status, Json(body)).into_response()
    }
}

/// The result of a handler.
pub type AppResult<T> = Result<T, AppError>;
