// s3-cli's wildcards and --include/--exclude rules on names whose answers are known by hand.
#include <catch2/catch.hpp>

#include "selection.hpp"

using s3cli::Filters;
using s3cli::Wildcard;
using s3cli::wildcard_match;

TEST_CASE("'*' and '?' stay within a segment, '**' crosses them") {
  CHECK(wildcard_match("*.gz", "a.gz", false));
  CHECK_FALSE(wildcard_match("*.gz", "d/a.gz", false));
  CHECK(wildcard_match("**.gz", "d/e/a.gz", false));
  CHECK(wildcard_match("?.txt", "a.txt", false));
  CHECK_FALSE(wildcard_match("?.txt", "ab.txt", false));
  CHECK_FALSE(wildcard_match("a?b", "a/b", false));
  CHECK(wildcard_match("*/x", "dir/x", false));
  CHECK_FALSE(wildcard_match("*/x", "d/e/x", false));
  CHECK(wildcard_match("", "", false));
  CHECK_FALSE(wildcard_match("", "a", false));
  CHECK(wildcard_match("*", "", false));
}

TEST_CASE("'**/' also matches no segment at all") {
  CHECK(wildcard_match("**/x.gz", "x.gz", false));
  CHECK(wildcard_match("**/x.gz", "a/b/x.gz", false));
  CHECK(wildcard_match("a/**/b", "a/b", false));
  CHECK(wildcard_match("a/**/b", "a/x/y/b", false));
  CHECK_FALSE(wildcard_match("a/**/b", "a/xb", false));
  CHECK_FALSE(wildcard_match("**/x.gz", "ax.gz", false));
}

TEST_CASE("many stars against a long name that does not match end quickly and correctly") {
  const std::string name(2000, 'a');
  CHECK_FALSE(wildcard_match("*a*a*a*a*a*a*a*a*a*a*a*b", name, true));
  CHECK(wildcard_match("*a*a*a*a*a*a*a*a*a*a*a*", name, true));
}

TEST_CASE("a wildcard lists from its literal part and names matches below its directory") {
  const Wildcard w("logs/2020/0?/*.gz");
  CHECK(w.literal() == "logs/2020/0");
  CHECK(w.base() == "logs/2020/");
  CHECK(w.matches("03/a.gz"));
  CHECK_FALSE(w.matches("03/b/a.gz"));
  CHECK_FALSE(w.matches("10/a.gz"));
  CHECK(w.crosses_segments());

  const Wildcard top("x*");
  CHECK(top.literal() == "x");
  CHECK(top.base().empty());
  CHECK(top.matches("xyz"));
  CHECK_FALSE(top.matches("x/y"));
  CHECK_FALSE(top.crosses_segments());
  CHECK(Wildcard("a/**").crosses_segments());
}

TEST_CASE("filters: the last matching rule decides, unmatched names are selected") {
  Filters none;
  CHECK(none.selects("anything"));

  Filters f;
  f.exclude("*");
  f.include("*.txt");
  CHECK(f.selects("a.txt"));
  CHECK(f.selects("d/e/a.txt"));  // '*' crosses '/' in filters, as awscli's
  CHECK_FALSE(f.selects("a.bin"));

  Filters g;  // the other order: the exclude of everything wins
  g.include("*.txt");
  g.exclude("*");
  CHECK_FALSE(g.selects("a.txt"));

  Filters h;
  h.exclude("tmp/*");
  CHECK_FALSE(h.selects("tmp/x/y"));
  CHECK(h.selects("keep/tmp/x"));
}
