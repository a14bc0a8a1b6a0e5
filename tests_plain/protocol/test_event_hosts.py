"""event_hosts: the hosts Cronofy may name on a booked request's event ([U] shapes)."""

from cronofy_protocol.event_hosts import MAX_HOSTS, EventHost, event_hosts
from cronofy_protocol.notifications import freeze


def test_participants_with_account_email_and_name():
    extra = {
        "participants": [
            {"sub": "acc_1", "email": " Alex@Demo.Example ", "display_name": "Alex"},
            {"sub": "acc_2"},
        ]
    }
    assert event_hosts(extra) == (
        EventHost("acc_1", "alex@demo.example", "Alex"),
        EventHost("acc_2", None, None),
    )


def test_grouped_members_and_an_organizer_without_duplicates():
    extra = {
        "participants": [{"members": [{"sub": "acc_1"}, {"sub": "acc_2"}], "required": "all"}],
        "organizer": {"email": "sam@demo.example", "display_name": "Sam"},
    }
    assert [host.sub or host.email for host in event_hosts(extra)] == [
        "acc_1",
        "acc_2",
        "sam@demo.example",
    ]
    twice = {"participants": [{"sub": "acc_1", "email": "a@b.co"}, {"email": "A@b.co"}]}
    assert len(event_hosts(twice)) == 1


def test_nothing_named_or_unknown_shapes_give_no_host():
    assert event_hosts({}) == ()
    assert event_hosts({"participants": "acc_1"}) == ()
    assert event_hosts({"participants": [{"name": "Alex"}], "organizer": "x"}) == ()
    assert event_hosts(None) == ()


def test_hostile_values_are_dropped_or_cleaned():
    extra = {
        "participants": [
            {"sub": "acc_1 OR 1=1", "email": "not an email"},
            {"email": "x@y.co", "display_name": "Eve\x00<script>" + "e" * 500},
            {"sub": ["acc_3"], "email": {"a": 1}},
        ]
        + [{"sub": f"acc_{i}"} for i in range(100)]
    }
    hosts = event_hosts(extra)
    assert hosts[0] == EventHost(None, "x@y.co", ("Eve <script>" + "e" * 500)[:128])
    assert len(hosts) == MAX_HOSTS
    assert all(host.sub is None or " " not in host.sub for host in hosts)


def test_a_parsed_frozen_event_is_read_like_raw_json():
    extra = freeze({"participants": [{"members": [{"sub": "acc_1", "email": "a@b.co"}]}]})
    assert event_hosts(extra) == (EventHost("acc_1", "a@b.co", None),)


def test_label_says_what_is_known():
    assert EventHost("acc_1", "a@b.co", "Ann").label == "Ann <a@b.co>"
    assert EventHost("acc_1").label == "acc_1"
    assert EventHost(None, "a@b.co").label == "a@b.co"
