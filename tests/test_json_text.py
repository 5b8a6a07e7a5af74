import json

import pytest

from crisiscenter.json_text import dumps


def test_dumps_is_compact_utf8_json():
    value = {"text": "Bank Noord 😡 <b>", "n": [1, 2.5, None, True]}
    text = dumps(value)
    assert text == '{"text":"Bank Noord 😡 <b>","n":[1,2.5,null,true]}'
    assert json.loads(text) == value


@pytest.mark.parametrize(
    "value",
    [
        {"text": "half a pair \ud83d"},  # a lone surrogate: JSON can carry it, orjson refuses
        {"big": 2**70},  # past 64 bits
        {1: "int key"},  # json.dumps makes it "1"
    ],
)
def test_dumps_falls_back_to_json_dumps_for_what_orjson_refuses(value):
    text = dumps(value)
    assert text == json.dumps(value, separators=(",", ":"))
    assert json.loads(text) == json.loads(json.dumps(value))


def test_dumps_still_refuses_what_json_cannot_encode():
    with pytest.raises(TypeError):
        dumps({"when": object()})
