"""alerts.incidents: the pure rule that groups alerts into incidents that open, escalate and close."""

from dataclasses import replace
from datetime import timedelta

from alerts.incidents import ESCALATED, JOINED, OPENED, advance, alert_time, arrivals, closing, incident_key, taking

from .alert_fixtures import BUCKET_END, BUCKET_START, ops_alert, severe_alert, spike_alert

SIX_HOURS = timedelta(hours=6)
Q = timedelta(minutes=15)


def later(alert, buckets: int):
    """The same alert `buckets` detection buckets later."""
    return replace(alert, bucket_start=alert.bucket_start + buckets * Q, bucket_end=alert.bucket_end + buckets * Q)


def run(alerts, reference, incidents=(), close_after=SIX_HOURS):
    """Apply a run's alerts like the outbox does; returns every incident known after it and the steps."""
    known = {i.incident_id: i for i in incidents}
    steps = []
    for arrival in arrivals(alerts, reference):
        step = advance(taking(known.values(), arrival, close_after), arrival, close_after, reference)
        known[step.incident.incident_id] = step.incident
        steps.append(step)
    return list(known.values()), steps


def roles(steps):
    return [(alert.kind, alert.severity, role) for step in steps for alert, role in step.roles]


def test_one_episode_opens_once_escalates_on_a_higher_severity_or_a_new_kind_and_joins_the_rest():
    warning = spike_alert(kind="complaint_spike", subject="complaints")
    _, steps = run([spike_alert(), later(spike_alert(kind="complaint_spike", subject="complaints"), 1)], BUCKET_END + Q)
    assert roles(steps) == [("negative_spike", "warning", OPENED), ("complaint_spike", "warning", JOINED)]
    negative_info = later(spike_alert(severity="info"), 1)
    critical = later(spike_alert(kind="complaint_spike", subject="complaints", severity="critical"), 2)
    volume_info = later(spike_alert(kind="volume_spike", subject="mentions", severity="info"), 2)
    topic = later(spike_alert(kind="new_topic", subject="咖啡机"), 3)
    [incident], steps = run([volume_info, critical, negative_info, warning, topic], BUCKET_END + 5 * Q)
    assert roles(steps) == [
        ("complaint_spike", "warning", OPENED),
        ("negative_spike", "info", JOINED),  # a new kind, but below warning
        ("complaint_spike", "critical", ESCALATED), ("volume_spike", "info", JOINED),
        ("new_topic", "warning", ESCALATED),  # a new kind at warning, though below the incident's critical
    ]
    assert (incident.incident_id, incident.severity, incident.status) == ("demo_coffee-20261126T0615Z", "critical", "open")
    assert incident.kinds == ("complaint_spike", "negative_spike", "volume_spike", "new_topic")
    assert (incident.opened_at, incident.last_alert_at, incident.steps) == (BUCKET_END, BUCKET_END + 3 * Q, 4)
    assert incident.opening_alert_id == warning.alert_id


def test_a_spike_telling_the_same_story_by_another_count_joins():
    volume = spike_alert(kind="volume_spike", subject="mentions")
    complaints = later(spike_alert(kind="complaint_spike", subject="complaints"), 1)
    negative = later(spike_alert(), 2)
    volume_again = later(volume, 3)
    _, steps = run([volume, complaints, negative, volume_again], BUCKET_END + 4 * Q)
    assert roles(steps) == [("volume_spike", "warning", OPENED), ("complaint_spike", "warning", ESCALATED),
                            ("negative_spike", "warning", JOINED), ("volume_spike", "warning", JOINED)]
    _, steps = run([spike_alert(), later(spike_alert(kind="complaint_spike", subject="complaints"), 1)], BUCKET_END + Q)
    assert roles(steps) == [("negative_spike", "warning", OPENED), ("complaint_spike", "warning", JOINED)]
    negative_info = later(spike_alert(severity="info"), 1)
    _, steps = run([severe_alert(), negative_info, later(spike_alert(), 2)], BUCKET_END + 2 * Q)
    assert roles(steps) == [("severe_complaint", "critical", OPENED), ("negative_spike", "info", JOINED),
                            ("negative_spike", "warning", ESCALATED)]  # seen before only below warning


def test_alerts_of_the_same_time_are_one_step_led_by_the_most_severe_then_by_kind():
    negative = spike_alert()
    complaint = spike_alert(kind="complaint_spike", subject="complaints")
    severe = severe_alert()
    _, [opening] = run([negative, complaint, severe], BUCKET_END)
    assert opening.lead == severe and roles([opening])[1:] == [("complaint_spike", "warning", JOINED),
                                                               ("negative_spike", "warning", JOINED)]
    _, [first, second] = run([severe, later(negative, 1), later(complaint, 1)], BUCKET_END + Q)
    assert first.lead == severe
    assert second.lead.kind == "complaint_spike" and roles([second])[1] == ("negative_spike", "warning", JOINED)


def test_an_alert_after_the_quiet_period_opens_a_new_incident_and_the_old_one_is_closed():
    first = spike_alert()
    [old], _ = run([first], BUCKET_END)
    again = later(first, 24)  # six hours after the first alert's time
    incidents, [step] = run([again], again.bucket_end, [old])
    assert roles([step]) == [("negative_spike", "warning", OPENED)]
    assert step.incident.incident_id != old.incident_id and len(incidents) == 2
    assert closing(old.last_alert_at, SIX_HOURS, again.bucket_end) == ("closed", BUCKET_END + SIX_HOURS)
    just_before = later(first, 23)
    _, [joined] = run([just_before], just_before.bucket_end, [old])
    assert joined.incident.incident_id == old.incident_id and joined.lead is None
    assert joined.incident.last_alert_at == just_before.bucket_end


def test_the_quiet_period_is_a_setting():
    first = spike_alert()
    [old], _ = run([first], BUCKET_END, close_after=timedelta(hours=1))
    _, [step] = run([later(first, 4)], BUCKET_END + 4 * Q, [old], close_after=timedelta(hours=1))
    assert roles([step])[0][2] == OPENED


def test_an_incident_found_late_in_a_long_run_is_already_closed():
    [incident], _ = run([spike_alert()], BUCKET_END + timedelta(days=2))
    assert (incident.status, incident.closed_at) == ("closed", BUCKET_END + SIX_HOURS)


def test_brands_have_their_own_incidents_and_a_source_has_one_across_brands():
    coffee, tea = spike_alert(), spike_alert(brand="demo_tea")
    incidents, steps = run([coffee, tea, ops_alert(), ops_alert(brand="demo_tea")], BUCKET_END)
    assert sorted(i.incident_id for i in incidents) == [
        "demo_coffee-20261126T0615Z", "demo_tea-20261126T0615Z", "ops-weibo_hot-20261126T0615Z"]
    ops = next(i for i in incidents if i.audience == "ops")
    assert (ops.source, ops.brand, ops.brands) == ("weibo_hot", None, ("demo_coffee", "demo_tea"))
    assert [role for step in steps if step.incident.audience == "ops" for _, role in step.roles] == [OPENED, JOINED]
    assert incident_key(ops_alert(details=replace(ops_alert().details, source=None), subject="news:auth")) == (
        "ops", "news")


def test_an_alert_counts_at_its_bucket_end_or_the_run_time_if_earlier():
    topic = spike_alert(kind="new_topic", bucket_start=BUCKET_START.replace(hour=16), bucket_end=BUCKET_START.replace(
        hour=16) + timedelta(days=1))  # a topic's bucket is its local day
    assert alert_time(spike_alert(), BUCKET_END + Q) == BUCKET_END
    assert alert_time(topic, BUCKET_END + Q) == BUCKET_END + Q


def test_a_late_alert_just_before_an_incident_joins_it_and_moves_its_opening():
    first = later(spike_alert(), 4)
    [incident], _ = run([first], first.bucket_end)
    late = spike_alert(kind="complaint_spike", subject="complaints", severity="critical")
    _, [step] = run([late], first.bucket_end + Q, [incident])
    assert step.incident.incident_id == incident.incident_id and roles([step]) == [
        ("complaint_spike", "critical", ESCALATED)]
    assert step.incident.opened_at == late.bucket_end and step.incident.last_alert_at == first.bucket_end


def test_an_accelerating_spread_escalates_once_even_without_a_new_kind_or_severity():
    from alerts.incidents import SPREAD_ACCELERATING
    from tests.alerts.test_spread_text import ACCELERATING

    first = spike_alert()
    spreading = later(spike_alert(details={"spread": [ACCELERATING]}), 1)
    spreading_again = later(spike_alert(details={"spread": [ACCELERATING]}), 2)
    steady = later(spike_alert(details={"spread": [replace(ACCELERATING, verdict="steady")]}), 1)
    _, steps = run([first, steady], BUCKET_END + Q)
    assert roles(steps) == [("negative_spike", "warning", OPENED), ("negative_spike", "warning", JOINED)]
    [incident], steps = run([first, spreading, spreading_again], BUCKET_END + 2 * Q)
    assert roles(steps) == [("negative_spike", "warning", OPENED), ("negative_spike", "warning", ESCALATED),
                            ("negative_spike", "warning", JOINED)]
    assert SPREAD_ACCELERATING in incident.warned_kinds and SPREAD_ACCELERATING not in incident.kinds
