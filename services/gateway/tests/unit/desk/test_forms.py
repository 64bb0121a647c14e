"""Forms generated from the departments' real command schemas (describe_commands)."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from propdesk.errors import Problem
from propdesk_services.gateway.desk import forms

from .departments import describe


def form_of(service, command, lang="zh", **kw):
    spec = describe(service)[command]
    return spec, forms.build(service, command, spec, lang=lang, title="t", action="/x", **kw)


def field(form, name):
    return next(f for f in form.fields if f.name == name)


def test_choices_become_a_select_labelled_from_the_vocabulary():
    _, form = form_of("residents", "request_move_out")
    fitout = field(form, "fitout_disposition")
    assert fitout.kind == "select"
    assert [(c.code, c.label) for c in fitout.choices][0] == ("restore", "恢复原状")
    _, form = form_of("billing", "record_payment", lang="en")
    methods = field(form, "method").choices  # the vocabulary's words for billing's codes, however many
    from propdesk.contracts.vocab import PAYMENT_METHODS

    assert [c.label for c in methods] == [PAYMENT_METHODS.label(c.code, "en") for c in methods]
    assert [c.label for c in methods][:3] == ["Cash", "Cheque", "Bank transfer"]


def test_dates_lengths_booleans_and_lists_get_their_inputs():
    _, form = form_of("residents", "request_move_out")
    assert field(form, "exit_date").kind == "date"
    assert field(form, "exit_date").label == "撤场日期"
    _, form = form_of("access", "release_at_gate")
    slip = field(form, "slip_no")
    assert (slip.kind, slip.max_length, slip.required) == ("text", 32, True)
    _, form = form_of("tickets", "record_inspection", lang="en")
    assert field(form, "passed").kind == "boolean" and field(form, "passed").label == "Passed"
    assert field(form, "defects").kind == "lines"


def test_fixed_fields_are_the_records_not_the_browsers():
    spec, form = form_of("tickets", "record_inspection", fixed={"move_out_id": "MO-1"})
    assert field(form, "move_out_id").kind == "fixed"
    assert [f.name for f in form.inputs] == ["passed", "defects"]
    posted = MultiDict({"move_out_id": "MO-OTHER", "passed": "false", "defects": "墙面开裂\n\n  门锁损坏 "})
    request, shown = forms.request_of(spec, posted, {"move_out_id": "MO-1"})
    assert request == {"move_out_id": "MO-1", "passed": False, "defects": ["墙面开裂", "门锁损坏"]}
    assert shown["passed"] is False


def test_empty_optional_fields_are_left_to_the_schema_and_strings_pass_as_typed():
    spec, _ = form_of("billing", "record_payment")
    request, _ = forms.request_of(spec, MultiDict({"amount": " 392.60 ", "method": "", "receipt_no": ""}),
                                  {"unit_id": "1-1-702"})
    assert request == {"unit_id": "1-1-702", "amount": "392.60"}
    spec, _ = form_of("tickets", "record_inspection")
    request, _ = forms.request_of(spec, MultiDict({}), {"move_out_id": "MO-1"})
    assert request == {"move_out_id": "MO-1"}  # `passed` missing: the department says it is required


def test_every_form_carries_an_idempotency_key_kept_while_it_is_shown_again():
    _, form = form_of("residents", "archive_move_out")
    assert form.key and forms.KEY_PATTERN.match(form.key)
    _, again = form_of("residents", "archive_move_out", key=form.key)
    assert again.key == form.key
    _, fresh = form_of("residents", "archive_move_out", key="bad key!")
    assert fresh.key != "bad key!"
    assert forms.posted_key(MultiDict({"idempotency_key": form.key})) == form.key
    assert forms.posted_key(MultiDict({"idempotency_key": "x" * 200})) is None


def test_a_keyless_command_carries_no_key():
    spec = {**describe("residents")["archive_move_out"], "keyless": True}
    form = forms.build("staff", "add_staff", spec, lang="zh", title="t", action="/x")
    assert form.key is None


def test_problems_show_at_their_fields_and_the_rest_at_the_top():
    _, form = form_of("tickets", "record_inspection", fixed={"move_out_id": "MO-1"})
    shown = form.with_problems([Problem("defects.0", "not_blank", "a defect may not be blank"),
                                Problem("actor.role", "role_not_allowed", "role x may not"),
                                Problem("move_out_id", "exists", "no such move-out")], "zh")
    assert field(shown, "defects").errors == ("不能为空",)
    assert shown.status == 400
    assert any("role x may not" in e for e in shown.top_errors)
    assert any("撤场编号" in e for e in shown.top_errors)  # a fixed field's problem goes to the top


def test_english_keeps_the_departments_own_words_beside_the_rule():
    _, form = form_of("residents", "request_move_out", lang="en")
    shown = form.with_problems([Problem("owner_consent_ref", "required", "the owner's written consent is required")],
                               "en")
    assert field(shown, "owner_consent_ref").errors == ("Required (the owner's written consent is required)",)
    unknown = form.with_problems([Problem("exit_date", "some_new_rule", "a new rule said no")], "zh")
    assert field(unknown, "exit_date").errors == ("a new rule said no",)
