"""The links an instructor hands out: nbgitpuller, Binder and Open-in-Colab formats (no network)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from autograder.__main__ import main
from autograder.release.links import (
    LinkError,
    binder_link,
    colab_link,
    course_links,
    nbgitpuller_link,
    parse_repository,
)

REPO = "https://github.com/uni-x/nn-students"


def query(link: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query, strict_parsing=True).items()}


def test_nbgitpuller_link_is_the_link_generators_format():
    link = nbgitpuller_link("https://hub.example.edu", parse_repository(REPO), "main", "mnist_nn/mnist_nn.ipynb")
    assert link == (
        "https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Funi-x%2Fnn-students"
        "&urlpath=lab%2Ftree%2Fnn-students%2Fmnist_nn%2Fmnist_nn.ipynb&branch=main"
    )


def test_nbgitpuller_opens_the_notebook_inside_the_folder_git_clones_into():
    """nbgitpuller clones into the URL's last part (".git" included), so the link gives the URL without it."""
    repo = parse_repository("https://gitlab.example.org/course/nn-students.git/")
    link = nbgitpuller_link("https://hub.example.edu/jupyter/", repo, "fall-2026", "week 1/Lab one.ipynb")
    assert urlsplit(link).path == "/jupyter/hub/user-redirect/git-pull"
    assert query(link) == {
        "repo": "https://gitlab.example.org/course/nn-students",
        "urlpath": "lab/tree/nn-students/week 1/Lab one.ipynb",
        "branch": "fall-2026",
    }
    assert " " not in link and "week+1%2FLab+one.ipynb" in link  # form-encoded, as nbgitpuller reads it


def test_binder_links_name_the_provider_and_open_the_notebook():
    repo = parse_repository(REPO)
    assert binder_link(repo, "main") == "https://mybinder.org/v2/gh/uni-x/nn-students/main?urlpath=lab"
    link = binder_link(repo, "main", "week 1/Lab one.ipynb")
    assert link.startswith("https://mybinder.org/v2/gh/uni-x/nn-students/main?")
    assert query(link) == {"urlpath": "lab/tree/week 1/Lab one.ipynb"}  # Binder's home is the repository itself
    assert binder_link(parse_repository("https://gitlab.com/a/b"), "dev").startswith("https://mybinder.org/v2/gl/a/b/dev?")
    other = binder_link(parse_repository("https://git.example.org/x/y.git"), "main")
    assert other.startswith("https://mybinder.org/v2/git/https%3A%2F%2Fgit.example.org%2Fx%2Fy/main?")


def test_colab_links_point_at_the_notebook_on_github():
    repo = parse_repository(REPO + ".git")
    assert colab_link(repo, "main", "mnist_nn/mnist_nn.ipynb") == (
        "https://colab.research.google.com/github/uni-x/nn-students/blob/main/mnist_nn/mnist_nn.ipynb"
    )
    assert colab_link(repo, "main", "week 1/Lab #1.ipynb").endswith("/blob/main/week%201/Lab%20%231.ipynb")
    with pytest.raises(LinkError, match="GitHub only"):
        colab_link(parse_repository("https://gitlab.com/a/b"), "main", "x.ipynb")


@pytest.mark.parametrize("url", ["github.com/a/b", "https://github.com/onlyowner", "ftp://github.com/a/b", "", "https://x/a/b?x=1"])
def test_a_bad_repository_address_is_refused_with_the_expected_form(url):
    with pytest.raises(LinkError, match="OWNER/NAME"):
        parse_repository(url)


def test_course_links_cover_every_notebook_and_say_what_is_missing():
    notebooks = ["a/a.ipynb", "b/b.ipynb"]
    links = course_links("https://gitlab.com/c/d", "main", notebooks)
    assert links.hub == {} and links.colab == {}
    assert list(links.binder) == ["", *notebooks]
    assert any("--hub" in note for note in links.notes) and any("GitHub only" in note for note in links.notes)
    full = course_links(REPO, "main", notebooks, hub="https://hub.example.edu")
    assert list(full.hub) == notebooks and list(full.colab) == notebooks and full.notes == []


def test_links_command_prints_every_link_of_the_course(capsys):
    assert main(["links", "--repo", REPO, "--hub", "https://hub.example.edu", "--branch", "fall"]) == 0
    out = capsys.readouterr().out
    for name in ("mnist_nn", "fashion_nn"):
        assert f"https://colab.research.google.com/github/uni-x/nn-students/blob/fall/{name}/{name}.ipynb" in out
        assert f"urlpath=lab%2Ftree%2Fnn-students%2F{name}%2F{name}.ipynb&branch=fall" in out
        assert f"https://mybinder.org/v2/gh/uni-x/nn-students/fall?urlpath=lab%2Ftree%2F{name}%2F{name}.ipynb" in out
    assert main(["links", "--repo", "not a url"]) == 2
    assert "OWNER/NAME" in capsys.readouterr().err
