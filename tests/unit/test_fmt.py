from perfwaterfall.present import numbers


def test_signed_ms_never_shows_negative_zero():
    assert numbers.signed_ms(-0.0001) == "+0.000"
    assert numbers.signed_ms(-0.02) == "-0.020"
    assert numbers.signed_ms(-11.04) == "-11.0"


def test_ms_precision_follows_magnitude():
    assert [numbers.ms(v) for v in (0.0421, 6.484, 20.06, 133.4, None)] == [
        "0.042",
        "6.48",
        "20.1",
        "133",
        "-",
    ]


def test_one_line_flattens_harness_names():
    assert numbers.one_line("Det\nector\t x") == "Det ector x"
