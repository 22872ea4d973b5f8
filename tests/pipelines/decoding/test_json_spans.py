import pytest

from ocula.pipelines.decoding.json_spans import leaf_spans


def test_spans_of_nested_leaves():
    text = '{"a":"x\\"y","b":[{"c":1.5},{"c":null}],"d":{"e":true},"f":[]}'
    spans = leaf_spans(text)
    assert {k: text[s:e] for k, (s, e) in spans.items()} == {
        "a": '"x\\"y"',
        "b/0/c": "1.5",
        "b/1/c": "null",
        "d/e": "true",
    }


def test_whitespace_and_errors():
    text = '{ "a" : 1 ,\n "b": "z" }'
    spans = leaf_spans(text)
    assert text[slice(*spans["a"])] == "1" and text[slice(*spans["b"])] == '"z"'
    with pytest.raises(ValueError):
        leaf_spans('{"a":1')
    with pytest.raises(ValueError):
        leaf_spans('{"a":1} x')
