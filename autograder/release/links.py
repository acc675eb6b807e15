"""The links an instructor hands a class, for a published student tree (a git repository).

* **JupyterHub with nbgitpuller**: ``HUB/hub/user-redirect/git-pull?repo=REPO&urlpath=...&branch=B``.
  nbgitpuller clones (or updates, keeping the student's changes) the repository into the user's
  home, in a folder named like the repository, then opens ``urlpath`` relative to the server's root:
  ``lab/tree/<folder>/<path>`` opens a notebook in JupyterLab (the format of nbgitpuller's own
  link generator; its query is form-encoded, so spaces are ``+`` and ``/`` is ``%2F``).
* **Binder**: ``https://mybinder.org/v2/gh/OWNER/REPO/BRANCH?urlpath=lab/tree/<path>``
  (``/v2/gl/`` for GitLab, ``/v2/git/<url-encoded URL>/BRANCH`` for any other git host). Binder
  builds the image from the tree's ``binder/`` folder and starts with the repository as the home
  folder, so the path has no repository folder in front.
* **Colab**: ``https://colab.research.google.com/github/OWNER/REPO/blob/BRANCH/PATH``, one per
  notebook. Colab opens notebooks from GitHub only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote, urlencode, urlsplit

BINDER = "https://mybinder.org"
COLAB = "https://colab.research.google.com"
_HOSTS = {"github.com": "gh", "gitlab.com": "gl"}


class LinkError(ValueError):
    """An address links cannot be made for; the message says what is expected."""


@dataclass(frozen=True)
class Repository:
    url: str  # as given, without a trailing ".git" or slash
    host: str
    path: str  # "owner/name" on GitHub and GitLab, the URL's path elsewhere

    @property
    def folder(self) -> str:
        """The folder git (and so nbgitpuller) clones the repository into."""
        return PurePosixPath(self.path).name

    @property
    def owner_and_name(self) -> tuple[str, str]:
        parts = self.path.split("/")
        return "/".join(parts[:-1]), parts[-1]


def parse_repository(url: str) -> Repository:
    """A published repository's address: https://HOST/OWNER/NAME (a trailing .git is fine)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise LinkError(f"{url!r} is not a repository address like https://github.com/OWNER/NAME")
    path = parts.path.strip("/")
    path = path[:-4] if path.endswith(".git") else path
    if path.count("/") < 1 or parts.query or parts.fragment:
        raise LinkError(f"{url!r} is not a repository address like https://github.com/OWNER/NAME")
    host = parts.netloc.lower()
    return Repository(f"{parts.scheme}://{parts.netloc}/{path}", host, path)


def _file_path(path: str) -> str:
    """A path inside the tree, percent-encoded for a URL path (spaces as %20, slashes kept)."""
    return quote(path, safe="/")


def nbgitpuller_link(hub: str, repo: Repository, branch: str, notebook: str | None = None) -> str:
    """The nbgitpuller link that pulls the repository into a hub account and opens a notebook in JupyterLab."""
    parts = urlsplit(hub.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise LinkError(f"{hub!r} is not a hub address like https://hub.example.edu")
    base = hub.strip().split("?")[0].rstrip("/")
    target = f"{repo.folder}/{notebook}" if notebook else repo.folder
    query = urlencode({"repo": repo.url, "urlpath": f"lab/tree/{target}", "branch": branch})
    return f"{base}/hub/user-redirect/git-pull?{query}"


def binder_link(repo: Repository, branch: str, notebook: str | None = None) -> str:
    """The mybinder.org link that builds the repository and opens a notebook (or the tree) in JupyterLab."""
    provider = _HOSTS.get(repo.host)
    if provider:
        spec = f"{provider}/{quote(repo.path, safe='/')}/{quote(branch, safe='')}"
    else:
        spec = f"git/{quote(repo.url, safe='')}/{quote(branch, safe='')}"
    urlpath = f"lab/tree/{notebook}" if notebook else "lab"
    return f"{BINDER}/v2/{spec}?{urlencode({'urlpath': urlpath})}"


def colab_link(repo: Repository, branch: str, notebook: str) -> str:
    """The Open-in-Colab link of one notebook (GitHub repositories only)."""
    if repo.host != "github.com":
        raise LinkError(f"Colab opens notebooks from GitHub only, not from {repo.host}")
    owner, name = repo.owner_and_name
    return f"{COLAB}/github/{quote(owner)}/{quote(name)}/blob/{quote(branch, safe='')}/{_file_path(notebook)}"


@dataclass(frozen=True)
class Links:
    hub: dict[str, str]  # {notebook: link}; empty without a hub
    binder: dict[str, str]  # "" (the tree) and each notebook
    colab: dict[str, str]  # {notebook: link}; empty off GitHub
    notes: list[str]


def course_links(repo_url: str, branch: str, notebooks: list[str], hub: str | None = None) -> Links:
    """Every link for the published tree; notebooks are paths inside it (``mnist_nn/mnist_nn.ipynb``)."""
    repo = parse_repository(repo_url)
    if not branch.strip() or any(c.isspace() for c in branch):
        raise LinkError(f"{branch!r} is not a branch name")
    notes = []
    hub_links = {n: nbgitpuller_link(hub, repo, branch, n) for n in notebooks} if hub else {}
    if not hub:
        notes.append("no --hub given: no nbgitpuller links (give your JupyterHub's address to get them)")
    binder = {"": binder_link(repo, branch), **{n: binder_link(repo, branch, n) for n in notebooks}}
    try:
        colab = {n: colab_link(repo, branch, n) for n in notebooks}
    except LinkError as error:
        colab = {}
        notes.append(f"no Colab links: {error}")
    return Links(hub_links, binder, colab, notes)


def render(links: Links) -> str:
    """The links as text for the terminal, grouped by platform."""
    lines = []
    if links.hub:
        lines.append("JupyterHub (nbgitpuller: copies the tree into each student's account, or updates it, then opens):")
        lines += [f"  {notebook}\n    {link}" for notebook, link in links.hub.items()]
    lines.append("Binder (builds the tree's environment; sessions are temporary, students download their work):")
    lines += [f"  {notebook or 'the whole tree'}\n    {link}" for notebook, link in links.binder.items()]
    if links.colab:
        lines.append("Colab (one link per notebook; students save a copy in their Drive):")
        lines += [f"  {notebook}\n    {link}" for notebook, link in links.colab.items()]
    lines += [f"note: {note}" for note in links.notes]
    return "\n".join(lines)
