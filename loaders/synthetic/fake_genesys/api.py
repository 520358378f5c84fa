"""Endpoint behaviour of the fake Genesys Cloud: analytics details (query and jobs) and write-backs.

Handlers take the parsed request and return a ``Reply``; transport concerns (auth, rate limit, faults,
headers, recording) live in ``server.py``.
"""

from __future__ import annotations

import base64
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from loaders.synthetic.fake_genesys.aggregates import AggregateError, aggregate
from loaders.synthetic.fake_genesys.config import FakeConfig
from loaders.synthetic.fake_genesys.faults import FaultInjector
from loaders.synthetic.fake_genesys.reference import LIST_PATHS, MEMBERS_PATH, ListError, ReferenceStore
from loaders.synthetic.fake_genesys.store import ConversationStore, parse_interval, without_attributes
from loaders.synthetic.fake_genesys.users import UserDetailsStore

NAMESPACE = uuid.UUID("6c8f2a4e-0b1d-4e5f-9a7c-3d2e1f0a9b8c")
ENRICH_ACTIONS = {"Merge", "Upsert", "Update", "Insert"}


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """Raised by handlers; becomes the real error body."""

    def __init__(self, status: int, code: str, message: str, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []


def error_body(status: int, code: str, message: str, context_id: str, details: list[Any] | None = None) -> dict:
    return {
        "message": message,
        "code": code,
        "status": status,
        "contextId": context_id,
        "details": details or [],
        "errors": [],
    }


@dataclass
class Job:
    job_id: str
    conversation_ids: list[str]
    polls: int = 0
    state: str = "QUEUED"
    user_details: list[dict[str, Any]] | None = None  # a users details job's results


@dataclass
class FakeState:
    """What the write endpoints did, for tests to inspect."""

    participant_attributes: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    identifier_index: dict[tuple[str, str], str] = field(default_factory=dict)
    external_events: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    contact_lists: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


Handler = Callable[[re.Match[str], dict[str, str], Any], Reply]


class FakeApi:
    def __init__(self, config: FakeConfig, store: ConversationStore, faults: FaultInjector,
                 reference: ReferenceStore | None = None, users: UserDetailsStore | None = None) -> None:
        self.config = config
        self.store = store
        self.reference = reference if reference is not None else ReferenceStore()
        self.users = users if users is not None else UserDetailsStore()
        self.user_jobs: dict[str, Job] = {}
        self.faults = faults
        self.state = FakeState()
        self.jobs: dict[str, Job] = {}
        self._job_counter = 0
        self._lock = threading.RLock()
        base = "/api/v2"
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("POST", re.compile(rf"{base}/analytics/conversations/details/query"), self.details_query),
            ("POST", re.compile(rf"{base}/analytics/conversations/aggregates/query"), self.aggregates_query),
            ("POST", re.compile(rf"{base}/analytics/conversations/details/jobs"), self.job_submit),
            ("GET", re.compile(rf"{base}/analytics/conversations/details/jobs/availability"), self.job_availability),
            ("GET", re.compile(rf"{base}/analytics/conversations/details/jobs/(?P<job>[^/]+)"), self.job_status),
            ("DELETE", re.compile(rf"{base}/analytics/conversations/details/jobs/(?P<job>[^/]+)"), self.job_delete),
            ("GET", re.compile(rf"{base}/analytics/conversations/details/jobs/(?P<job>[^/]+)/results"),
             self.job_results),
            ("POST", re.compile(rf"{base}/analytics/users/details/jobs"), self.user_job_submit),
            ("GET", re.compile(rf"{base}/analytics/users/details/jobs/availability"), self.job_availability),
            ("GET", re.compile(rf"{base}/analytics/users/details/jobs/(?P<job>[^/]+)"), self.user_job_status),
            ("DELETE", re.compile(rf"{base}/analytics/users/details/jobs/(?P<job>[^/]+)"), self.user_job_delete),
            ("GET", re.compile(rf"{base}/analytics/users/details/jobs/(?P<job>[^/]+)/results"),
             self.user_job_results),
            ("PATCH", re.compile(rf"{base}/conversations/(?P<cid>[^/]+)/participants/(?P<pid>[^/]+)/attributes"),
             self.patch_participant_attributes),
            ("POST", re.compile(rf"{base}/externalcontacts/contacts/enrich"), self.contact_enrich),
            ("POST", re.compile(rf"{base}/externalcontacts/bulk/contacts/enrich"), self.bulk_contact_enrich),
            ("POST", re.compile(rf"{base}/journey/externalevents/configurations/(?P<cfg>[^/]+)/events"),
             self.external_events),
            ("POST", re.compile(rf"{base}/outbound/contactlists/(?P<list>[^/]+)/contacts"), self.contact_list_add),
            ("GET", re.compile(MEMBERS_PATH.replace("{queueId}", "(?P<queue>[^/]+)")), self.list_queue_members),
            *(("GET", re.compile(re.escape(path)), self._lister(entity_type))
              for entity_type, path in LIST_PATHS.items()),
        ]

    def route(self, method: str, path: str) -> tuple[Handler, re.Match[str]] | None:
        """The handler for ``method path``; raises 404/405 ApiError for unknown paths/verbs."""
        path_matched = False
        for verb, pattern, handler in self.routes:
            match = pattern.fullmatch(path)
            if match:
                path_matched = True
                if verb == method:
                    return handler, match
        if path_matched:
            raise ApiError(405, "method.not.allowed", f"HTTP method {method} is not supported for {path}")
        raise ApiError(404, "not.found", f"No resource found for path {path}")

    # -- analytics: sync details query -------------------------------------------------------------
    def details_query(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        body = _require_object(body)
        start, end = _interval(body)
        filtered = any(body.get(k) for k in ("conversationFilters", "segmentFilters", "evaluationFilters",
                                             "surveyFilters", "resolutionFilters"))
        max_days = 31 if filtered else 7
        if end - start > timedelta(days=max_days):
            raise ApiError(400, "bad.request", f"Query interval may not exceed {max_days} days"
                           + ("" if filtered else " without a filter"))
        paging = body.get("paging") or {}
        size, number = paging.get("pageSize", 25), paging.get("pageNumber", 1)
        if not isinstance(size, int) or not 1 <= size <= self.config.query_page_size_max:
            raise ApiError(400, "bad.request", f"paging.pageSize must be between 1 and "
                           f"{self.config.query_page_size_max}")
        if not isinstance(number, int) or number < 1:
            raise ApiError(400, "bad.request", "paging.pageNumber must be 1 or greater")
        if size * number > 100_000:
            raise ApiError(400, "bad.request", "Pagination may not exceed 100000 results.")
        matches = self.store.started_on_touched_days(start, end)
        if body.get("order") == "desc":
            matches = list(reversed(matches))
        page = matches[(number - 1) * size:number * size]
        result: dict[str, Any] = {}
        if page:
            result["conversations"] = [without_attributes(c.body) for c in page]
        result["totalHits"] = max(0, len(matches) + self.config.total_hits_skew)
        return Reply(200, result)

    # -- analytics: aggregates (computed from the store, independently of the dbt models) -----------
    def aggregates_query(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        try:
            return Reply(200, aggregate(self.store, self.reference, body))
        except AggregateError as exc:
            raise ApiError(400, "bad.request", str(exc)) from None

    # -- analytics: async details jobs -------------------------------------------------------------
    def job_submit(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        body = _require_object(body)
        if "paging" in body:
            raise ApiError(400, "bad.request", "paging is not supported by details jobs; page results by cursor")
        start, end = _interval(body)
        if body.get("startOfDayIntervalMatching"):
            found = self.store.started_on_touched_days(start, end)
        else:
            found = self.store.lifetime_overlaps(start, end)
        if body.get("order") == "desc":
            found = list(reversed(found))
        with self._lock:
            self._job_counter += 1
            job_id = str(uuid.uuid5(NAMESPACE, f"{self._job_counter}:{sorted(body.items())}"))
            self.jobs[job_id] = Job(job_id, [c.conversation_id for c in found])
        return Reply(202, {"jobId": job_id})

    def job_availability(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        return Reply(200, {"dataAvailabilityDate": self.config.data_availability_date})

    def _job(self, job_id: str, jobs: dict[str, Job] | None = None) -> Job:
        job = (self.jobs if jobs is None else jobs).get(job_id)
        if job is None:
            raise ApiError(404, "not.found", f"Job {job_id} was not found")
        return job

    def _results_page(self, job_id: str, jobs: dict[str, Job], query: dict[str, str]) -> tuple[Job, int, int]:
        """A fulfilled job's results request: the job, the page's offset (from the cursor) and its size."""
        with self._lock:
            job = self._job(job_id, jobs)
            if job.state != "FULFILLED":
                raise ApiError(400, "bad.request", f"Job {job.job_id} is {job.state}; results are not available")
        try:
            size = int(query.get("pageSize", self.config.job_page_size))
        except ValueError:
            raise ApiError(400, "bad.request", "pageSize must be an integer") from None
        if not 1 <= size <= self.config.job_page_size_max:
            raise ApiError(400, "bad.request", f"pageSize must be between 1 and {self.config.job_page_size_max}")
        return job, _decode_cursor(query.get("cursor"), job.job_id), size

    def job_status(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        with self._lock:
            job = self._job(match["job"])
            job.polls += 1
            if job.polls > self.config.job_pending_polls:
                job.state = "FULFILLED"
            elif job.polls > 1:
                job.state = "PENDING"
            result = {"state": job.state, "submissionDate": "2024-01-01T00:00:00.000Z"}
            if job.state == "FULFILLED":
                result["completionDate"] = "2024-01-01T00:00:01.000Z"
                result["expirationDate"] = "2099-01-01T00:00:00.000Z"
        return Reply(200, result)

    def job_delete(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        with self._lock:
            self._job(match["job"])
            del self.jobs[match["job"]]
        return Reply(204)

    def job_results(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        job, offset, size = self._results_page(match["job"], self.jobs, query)
        ids = job.conversation_ids[offset:offset + size]
        result: dict[str, Any] = {
            "conversations": [self.store.get(cid).body for cid in ids if self.store.get(cid)],  # type: ignore[union-attr]
        }
        if offset + size < len(job.conversation_ids):
            result["cursor"] = _encode_cursor(offset + size, job.job_id)
        result["dataAvailabilityDate"] = self.config.data_availability_date
        return Reply(200, result)

    # -- analytics: users details jobs (presence and routing status) -------------------------------
    def user_job_submit(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        body = _require_object(body)
        start, end = _interval(body)
        if end - start > timedelta(days=31):
            raise ApiError(400, "bad.request", "Query interval may not exceed 31 days")
        with self._lock:
            self._job_counter += 1
            job_id = str(uuid.uuid5(NAMESPACE, f"users:{self._job_counter}:{body['interval']}"))
            self.user_jobs[job_id] = Job(job_id, [], user_details=self.users.overlapping(start, end))
        return Reply(202, {"jobId": job_id})

    def _user_job(self, job_id: str) -> Job:
        return self._job(job_id, self.user_jobs)

    def user_job_status(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        with self._lock:
            job = self._user_job(match["job"])
            job.polls += 1
            job.state = "FULFILLED" if job.polls > self.config.job_pending_polls else "PENDING"
            return Reply(200, {"state": job.state, "submissionDate": "2024-01-01T00:00:00.000Z"})

    def user_job_delete(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        with self._lock:
            self._user_job(match["job"])
            del self.user_jobs[match["job"]]
        return Reply(204)

    def user_job_results(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        job, offset, size = self._results_page(match["job"], self.user_jobs, query)
        details = job.user_details or []
        result: dict[str, Any] = {"userDetails": details[offset:offset + size]}
        if offset + size < len(details):
            result["cursor"] = _encode_cursor(offset + size, job.job_id)
        result["dataAvailabilityDate"] = self.config.data_availability_date
        return Reply(200, result)

    # -- reference data: list endpoints ------------------------------------------------------------
    def _lister(self, entity_type: str) -> Handler:
        def handler(match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
            try:
                if entity_type == "teams":
                    return Reply(200, self.reference.cursor_page(entity_type, LIST_PATHS[entity_type], query))
                return Reply(200, self.reference.list_page(entity_type, LIST_PATHS[entity_type], query))
            except ListError as exc:
                raise ApiError(400, "bad.request", str(exc)) from None
        return handler

    def list_queue_members(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        queue_id = match["queue"]
        if self.reference.get("queues", queue_id) is None:
            raise ApiError(404, "not.found", f"Queue {queue_id} was not found")
        path = MEMBERS_PATH.replace("{queueId}", queue_id)
        try:
            return Reply(200, self.reference.list_page("queue_members", path, query, queue_id=queue_id))
        except ListError as exc:
            raise ApiError(400, "bad.request", str(exc)) from None

    # -- write-back endpoints ----------------------------------------------------------------------
    def patch_participant_attributes(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        body = _require_object(body)
        attributes = body.get("attributes")
        if not isinstance(attributes, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()
        ):
            raise ApiError(400, "bad.request", "attributes must be a map of string keys to string values")
        cid, pid = match["cid"], match["pid"]
        if self.faults.patch_not_visible(cid):
            raise ApiError(404, "not.found", f"The conversation {cid} could not be found")
        if self.config.require_known_conversations:
            stored = self.store.get(cid)
            if stored is None:
                raise ApiError(404, "not.found", f"The conversation {cid} could not be found")
            if pid not in {p.get("participantId") for p in stored.body.get("participants", [])}:
                raise ApiError(404, "not.found", f"The participant {pid} could not be found")
        with self._lock:
            self.state.participant_attributes.setdefault((cid, pid), {}).update(attributes)
        return Reply(202)

    def _enrich_one(self, request: Any, dry_run: bool) -> tuple[int, dict[str, Any]]:
        if not isinstance(request, dict):
            raise ApiError(400, "bad.request", "each enrich request must be an object")
        identifiers = request.get("matchingIdentifiers")
        if not isinstance(identifiers, list) or not 1 <= len(identifiers) <= 25:
            raise ApiError(400, "bad.request", "matchingIdentifiers must hold 1 to 25 identifiers")
        keys = []
        for ident in identifiers:
            if not isinstance(ident, dict) or not ident.get("type") or not ident.get("value"):
                raise ApiError(400, "bad.request", "each matching identifier needs a type and a value")
            keys.append((str(ident["type"]), str(ident["value"])))
        action = request.get("action")
        if action not in ENRICH_ACTIONS:
            raise ApiError(400, "bad.request", f"action must be one of {sorted(ENRICH_ACTIONS)}")
        contact = request.get("contact")
        if not isinstance(contact, dict):
            raise ApiError(400, "bad.request", "contact is required")
        with self._lock:
            existing_id = next((self.state.identifier_index[k] for k in keys if k in self.state.identifier_index),
                               None)
            if existing_id is None and action == "Update":
                raise ApiError(404, "not.found", "No contact matches the matching identifiers")
            if existing_id is not None and action == "Insert":
                raise ApiError(409, "conflict", "A contact already matches the matching identifiers")
            created = existing_id is None
            contact_id = existing_id or str(uuid.uuid5(NAMESPACE, f"{keys[0][0]}:{keys[0][1]}"))
            merged = {**self.state.contacts.get(contact_id, {}), **contact, "id": contact_id}
            if not dry_run:
                self.state.contacts[contact_id] = merged
                for key in keys:
                    self.state.identifier_index[key] = contact_id
        return (201 if created else 200), merged

    def contact_enrich(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        status, contact = self._enrich_one(body, query.get("dryRun") == "true")
        return Reply(status, contact)

    def bulk_contact_enrich(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        entities = _require_object(body).get("entities")
        if not isinstance(entities, list) or not 1 <= len(entities) <= 10:
            raise ApiError(400, "bad.request", "entities must hold 1 to 10 enrich operations")
        results, error_indexes = [], []
        for index, request in enumerate(entities):
            op_id = request.get("id") if isinstance(request, dict) else None
            try:
                _, contact = self._enrich_one(request, query.get("dryRun") == "true")
                results.append({"id": op_id, "success": True, "entity": contact})
            except ApiError as exc:
                error_indexes.append(index)
                results.append({"id": op_id, "success": False,
                                "error": {"message": exc.message, "code": exc.code, "status": exc.status,
                                          "entity": request}})
        return Reply(200, {"results": results, "errorCount": len(error_indexes), "errorIndexes": error_indexes})

    def external_events(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        entities = _require_object(body).get("entities")
        if not isinstance(entities, list) or not entities:
            raise ApiError(400, "bad.request", "entities must be a non-empty list")
        unprocessed = []
        with self._lock:
            store = self.state.external_events.setdefault(match["cfg"], {})
            for index, entity in enumerate(entities):
                problem = _event_problem(entity)
                if problem:
                    unprocessed.append({"event": entity, "originalRequestIndex": index, "isRetryable": False,
                                        "errorMessage": problem, "statusCode": 400})
                    continue
                store.setdefault(entity["id"], entity)  # immutable once ingested; same id = same event
        return Reply(200, {"unprocessedEntities": unprocessed})

    def contact_list_add(self, match: re.Match[str], query: dict[str, str], body: Any) -> Reply:
        if not isinstance(body, list) or not body:
            raise ApiError(400, "bad.request", "the body must be a non-empty JSON array of contacts")
        if len(body) > 1000:
            raise ApiError(400, "bad.request", "A maximum of 1000 contacts may be added per request")
        list_id = match["list"]
        out = []
        with self._lock:
            contacts = self.state.contact_lists.setdefault(list_id, {})
            for item in body:
                if not isinstance(item, dict) or not isinstance(item.get("data"), dict):
                    raise ApiError(400, "bad.request", "each contact needs a data object")
                if item.get("contactListId") not in (None, list_id):
                    raise ApiError(400, "bad.request", "contactListId does not match the path")
                contact_id = item.get("id") or str(uuid.uuid5(NAMESPACE, f"{list_id}:{sorted(item['data'].items())}"))
                stored = {**contacts.get(contact_id, {}), **item, "id": contact_id, "contactListId": list_id}
                stored.setdefault("callable", True)
                contacts[contact_id] = stored
                out.append(stored)
        return Reply(200, out)


def _require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "bad.request", "the request body must be a JSON object")
    return body


def _interval(body: dict[str, Any]) -> tuple[Any, Any]:
    if "interval" not in body:
        raise ApiError(400, "bad.request", "interval is required")
    try:
        return parse_interval(body["interval"])
    except ValueError as exc:
        raise ApiError(400, "bad.request", f"Invalid interval: {exc}") from None


def _encode_cursor(offset: int, job_id: str) -> str:
    return base64.urlsafe_b64encode(f"{job_id[:8]}:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None, job_id: str) -> int:
    if not cursor:
        return 0
    try:
        prefix, offset = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(":")
        if prefix != job_id[:8]:
            raise ValueError
        return int(offset)
    except ValueError:
        raise ApiError(400, "bad.request", "Invalid cursor") from None


def _event_problem(entity: Any) -> str:
    if not isinstance(entity, dict):
        return "entity must be an object"
    if not entity.get("id"):
        return "id is required"
    if not entity.get("dateCreated"):
        return "dateCreated is required"
    if len(entity.get("attributes") or {}) > 50:
        return "an event may carry at most 50 attributes"
    return ""
