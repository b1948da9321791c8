//! Extractors that turn a malformed request into the API's own errors:
//! bad JSON syntax is 400 `invalid_json`, a wrong type or a missing field
//! 422 `invalid_field`, a body over the limit 413 `payload_too_large`, a
//! body that is not JSON 415; query strings likewise.

use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection, StringRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;

/// A JSON body.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

fn too_large(status: StatusCode, text: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            status,
            "payload_too_large",
            "the request body is larger than the service accepts",
        )
    } else {
        ApiError::new(status, "bad_request", text)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(match r {
                JsonRejection::JsonDataError(e) => {
                    let text = e.body_text();
                    // "Failed to deserialize the JSON body into the target
                    // type: name: invalid type ..." → the field and the cause.
                    let detail = text
                        .split_once("target type: ")
                        .map(|(_, d)| d.to_string())
                        .unwrap_or(text);
                    let field = detail
                        .split_once(": ")
                        .map(|(f, _)| f.to_string())
                        .filter(|f| !f.contains(' '));
                    ApiError {
                        field,
                        ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", detail)
                    }
                }
                JsonRejection::JsonSyntaxError(e) => {
                    ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.body_text())
                }
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the body as JSON with Content-Type: application/json",
                ),
                JsonRejection::BytesRejection(e) => too_large(e.status(), e.body_text()),
                other => ApiError::new(other.status(), "bad_request", other.body_text()),
            }),
        }
    }
}

/// A text body (an event as received).
#[derive(Debug)]
pub struct ApiText(pub String);

impl<S: Send + Sync> FromRequest<S> for ApiText {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match String::from_request(req, state).await {
            Ok(s) => Ok(ApiText(s)),
            Err(StringRejection::InvalidUtf8(_)) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                "the body is not UTF-8",
            )),
            Err(StringRejection::FailedToBufferBody(e)) => {
                Err(too_large(e.status(), e.body_text()))
            }
            Err(other) => Err(ApiError::new(
                other.status(),
                "bad_request",
                other.body_text(),
            )),
        }
    }
}

/// Query-string parameters.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                e.body_text(),
            )),
            Err(other) => Err(ApiError::new(
                other.status(),
                "invalid_query",
                other.body_text(),
            )),
        }
    }
}
