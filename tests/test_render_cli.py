"""The ``mec-ea-env render`` command: GIF and PNG output, and its errors."""

from PIL import Image

from mec_ea_env.cli import main


def test_render_gif_frames(tmp_path):
    output = tmp_path / "episode.gif"
    status = main(
        [
            "render",
            "--scenario",
            "small",
            "--policy",
            "all-local",
            "--output",
            str(output),
            "--frames",
            "3",
        ]
    )
    assert status == 0
    with Image.open(output) as image:
        assert image.n_frames == 3


def test_render_png_folder(tmp_path):
    status = main(
        [
            "render",
            "--scenario",
            "small",
            "--policy",
            "random",
            "--output",
            str(tmp_path / "frames"),
            "--frames",
            "2",
        ]
    )
    assert status == 0
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == [
        "frame_000.png",
        "frame_001.png",
    ]


def test_render_unknown_policy(tmp_path, capsys):
    status = main(
        [
            "render",
            "--scenario",
            "small",
            "--policy",
            "no-such-policy",
            "--output",
            str(tmp_path / "x.gif"),
        ]
    )
    assert status == 2
    assert "no-such-policy" in capsys.readouterr().err
