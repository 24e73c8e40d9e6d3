"""Local web serving: static pages with the deployed security headers, and HTTP APIs that feed Lambda handlers
API Gateway HTTP API (payload format 2.0) events."""

from sim.web.http_api import Cors, HttpApi, HttpRequest, HttpResponse, ServiceEndpoint
from sim.web.server import LocalWebServer, PageAndApi, serve_page_and_api

__all__ = ["Cors", "HttpApi", "HttpRequest", "HttpResponse", "LocalWebServer", "PageAndApi", "ServiceEndpoint",
           "serve_page_and_api"]
