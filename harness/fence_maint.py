# SPDX-License-Identifier: GPL-2.0
"""The recipients of the series: which addresses cannot be real.

series-check runs the kernel's scripts/get_maintainer.pl on every patch,
and b4's 'send -o' dry run writes the series as mails; both must name only
recipients that can be mailed.  An address is refused when it is one of
the project's placeholders, or its domain is reserved for examples and
tests (RFC 2606, RFC 6761) or is not a domain at all.
"""

import email.parser
import email.policy
import email.utils
import re
from typing import List, Optional, Tuple

# The identities the project's tooling writes and that no mail may go to:
# the author of the generated commits (bin/lib.sh, bin/convert) and the
# committer of series-check's git-am tree.
PLACEHOLDERS = ('iommu-fence@example.org', 'check@localhost')

# Second-level domains reserved for documentation (RFC 2606).
EXAMPLE_DOMAINS = ('example.org', 'example.com', 'example.net')

# Top-level domains that never resolve (RFC 2606, RFC 6761).
RESERVED_TLDS = ('example', 'invalid', 'localhost', 'test', 'local')

_ADDR = re.compile(r'^[^@\s<>]+@([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)$')


class MaintError(Exception):
	"""Input that is not get_maintainer.pl output or a mail."""


def unreal(addr: str) -> Optional[str]:
	"""Why ADDR cannot be a real recipient, or None if it can be."""
	a = addr.strip().lower()
	if a in PLACEHOLDERS:
		return 'a placeholder of the project'
	m = _ADDR.match(a)
	if not m:
		return 'not an address'
	domain = m.group(1)
	if '.' not in domain:
		return f'no top-level domain in "{domain}"'
	for d in EXAMPLE_DOMAINS:
		if domain == d or domain.endswith('.' + d):
			return f'{d} is reserved for examples'
	tld = domain.rsplit('.', 1)[1]
	if tld in RESERVED_TLDS:
		return f'.{tld} is a reserved top-level domain'
	if not re.fullmatch(r'[a-z]{2,63}|xn--[a-z0-9-]{1,59}', tld):
		return f'.{tld} is not a top-level domain'
	return None


def gm_recipients(text: str) -> List[Tuple[str, str]]:
	"""(address, role) of each line of get_maintainer.pl's default output,
	"Name <addr> (role)" or "addr (role)"."""
	out = []
	for line in text.splitlines():
		line = line.strip()
		if not line:
			continue
		role = ''
		m = re.match(r'^(.*?)\s+\(([^()]*)\)$', line)
		if m:
			line, role = m.group(1), m.group(2)
		name, addr = email.utils.parseaddr(line)
		if not addr or '@' not in addr:
			raise MaintError(f'not a get_maintainer.pl line: "{line}"')
		out.append((addr, role))
	return out


def mail_recipients(text: str) -> List[Tuple[str, str]]:
	"""(address, header) of the To: and Cc: headers of a mail, less the
	sender's own address: b4 Cc's every Signed-off-by, the sender's too,
	and who sends the series is the submitter's choice (their own
	identity), not a recipient that get_maintainer.pl or a trailer chose."""
	msg = email.parser.Parser(policy=email.policy.compat32).parsestr(text, headersonly=True)
	if not msg.keys():
		raise MaintError('not a mail: no headers')
	sender = email.utils.parseaddr(msg.get('From', ''))[1].lower()
	out = []
	for h in ('To', 'Cc'):
		for _, addr in email.utils.getaddresses(msg.get_all(h, [])):
			if addr and addr.lower() != sender:
				out.append((addr, h))
	return out


def judge(recipients: List[Tuple[str, str]]) -> Tuple[bool, str]:
	"""(all real, detail): the unreal recipients with why, else how many
	recipients there are."""
	bad = []
	for addr, where in recipients:
		why = unreal(addr)
		if why:
			bad.append(f'{addr} ({where}): {why}')
	if bad:
		return False, 'cannot be mailed: ' + '; '.join(bad)
	if not recipients:
		return False, 'no recipient'
	return True, f'{len(recipients)} recipients, all real'


def sections(text: str) -> List[str]:
	"""The MAINTAINERS sections that get_maintainer.pl's output names,
	other than THE REST (whose lines name no section)."""
	out = []
	for _, role in gm_recipients(text):
		if ':' in role:
			s = role.split(':', 1)[1]
			if s != 'THE REST' and s not in out:
				out.append(s)
	return out
