from perfwaterfall.measure.plan import interleave


def test_rounds_alternate_which_side_goes_first():
    plan = interleave(["a"], sides=2, rounds=4)
    assert [(p.side, p.round_index) for p in plan] == [
        (0, 0),
        (1, 0),
        (1, 1),
        (0, 1),
        (0, 2),
        (1, 2),
        (1, 3),
        (0, 3),
    ]


def test_every_scenario_gets_every_round_of_every_side():
    plan = interleave(["a", "b"], sides=3, rounds=5)
    assert len(plan) == 30
    for scenario in "ab":
        for side in range(3):
            assert sorted(
                p.round_index for p in plan if (p.scenario, p.side) == (scenario, side)
            ) == list(range(5))
    assert [p.scenario for p in plan][:15] == ["a"] * 15
