//! API errors: a stable machine-readable code, the HTTP status that goes
//! with it, and a message that says what was wrong. User errors are 4xx;
//! a 500 means a fault of the service, never of the request.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: `invalid_json`, `invalid_field`, `missing_token`,
    /// `invalid_token`, `expired_token`, `forbidden`, `not_found`,
    /// `payload_too_large`, `unsupported_media_type`,
    /// `event_already_decided`, `not_ready`, `internal`.
    pub code: &'static str,
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Extra data: the stored decision of a replayed event id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub existing: Option<serde_json::Value>,
}

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub existing: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            existing: None,
        }
    }

    /// A request field with a bad value (422).
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            field: Some(field.to_string()),
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message)
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// A fault of the service; the cause is logged, not sent.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!("internal error: {cause}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the service failed to complete the request; it is logged",
        )
    }

    pub fn not_ready(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", message)
    }
}

impl From<kansa_store::StoreError> for ApiError {
    fn from(e: kansa_store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                field: self.field,
                existing: self.existing,
            },
        };
        let mut r = (self.status, Json(body)).into_response();
        r.extensions_mut().insert(RefusedCode(self.code));
        r
    }
}

/// The error code of a refused request, for the audit middleware.
#[derive(Debug, Clone, Copy)]
pub struct RefusedCode(pub &'static str);

pub type ApiResult<T> = Result<T, ApiError>;
