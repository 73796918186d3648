"""Landing page tests: what the page of a run gathers from its reports."""


def test_the_landing_page_shows_each_key_message_once():
    from csc_metrics.report.landing import unique_key_messages
    from csc_metrics.report.render import KeyMessages

    overview = [KeyMessages("Key messages", ("EET is down.", "Caseloads are up."))]
    leavers = [KeyMessages("Key messages", ("EET is down.", "Few are in touch."))]
    caseloads = [KeyMessages("Key messages", ("Caseloads are up.",))]
    unique = unique_key_messages(
        [("Overview", overview), ("Care leavers", leavers), ("Caseloads", caseloads)]
    )
    assert unique == [
        ("Overview", [KeyMessages("Key messages", ("EET is down.", "Caseloads are up."))]),
        ("Care leavers", [KeyMessages("Key messages", ("Few are in touch.",))]),
    ]
