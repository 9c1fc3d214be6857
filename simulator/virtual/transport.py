"""The users' transport in virtual time: one attempt planned by the provider core, no HTTP.

What ``fake_provider.server`` does for a chat completion (context from the headers,
body-size and key checks, parse, plan) happens at the scheduler's current time; the plan is
read as the client would (:func:`simulator.virtual.render.read_plan`), the calling user
sleeps for the answer's virtual duration, and the truth record is logged when the answer
ends, as the server logs it when rendering ends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from greenlet import GreenletExit  # type: ignore[import-untyped]

from fake_provider.errors import ApiError
from fake_provider.plan import MISSING_API_KEY, body_too_large, error_plan, request_context
from fake_provider.plan_chat import plan_chat
from fake_provider.records import ResponsePlan, TruthRecord
from fake_provider.request import parse_chat_request, parse_json_object
from fake_provider.state import ProviderState
from simulator.virtual.render import read_plan
from simulator.workloads.replies import Reply


class VirtualTransport:
    """A ``sessions.Transport`` that asks the provider core directly, in virtual time.

    Example::

        transport = VirtualTransport(state, scheduler, truth.append, timeout_s=lambda: 30.0)
        reply = transport(body, headers, stream=False)   # inside a user greenlet
    """

    def __init__(
        self,
        state: ProviderState,
        now_s: Callable[[], float],
        sleep: Callable[[float], None],
        record_truth: Callable[[TruthRecord], None],
        timeout_s: Callable[[], float],
    ) -> None:
        self.state = state
        self._now_s = now_s
        self._sleep = sleep
        self._record_truth = record_truth
        self._timeout_s = timeout_s
        #: Attempts sent so far.
        self.attempts = 0

    def plan(self, body: bytes, headers: Mapping[str, str]) -> ResponsePlan:
        """The provider's plan for one chat completion arriving now (as the server makes it)."""
        state = self.state
        lower = {name.lower(): value for name, value in headers.items()}
        ctx = request_context(lower.get, state, self._now_s())
        if len(body) > state.config.max_body_bytes:
            return error_plan(body_too_large(state.config.max_body_bytes), ctx, endpoint="chat")
        if not ctx.api_key:
            return error_plan(MISSING_API_KEY, ctx, endpoint="chat")
        try:
            return plan_chat(parse_chat_request(parse_json_object(body)), ctx, state)
        except ApiError as err:
            return error_plan(err, ctx, endpoint="chat")

    def __call__(self, body: bytes, headers: Mapping[str, str], stream: bool) -> Reply:
        """Send one attempt; returns once its answer has ended in virtual time."""
        self.attempts += 1
        plan = self.plan(body, headers)
        delivery = read_plan(plan, self._timeout_s())
        try:
            self._sleep(delivery.elapsed_s)
        except GreenletExit:  # the run ended mid-answer: the client hung up
            self._record_truth(plan.truth.abandoned() if delivery.elapsed_s > 0 else plan.truth)
            raise
        self._record_truth(delivery.truth)
        return delivery.reply
