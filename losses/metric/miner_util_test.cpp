#include "losses/metric/miner_util.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <set>
#include <tuple>

#include "autograd/tape.h"
#include "tensor/error.h"
#include "tensor/random.h"

namespace minidl::losses {
namespace {

using Triplet = std::tuple<std::int64_t, std::int64_t, std::int64_t>;
using Pair = std::pair<std::int64_t, std::int64_t>;

std::vector<Triplet> triplets_of(const TripletTuples& t) {
  std::vector<Triplet> out;
  for (std::int64_t i = 0; i < t.count(); ++i)
    out.emplace_back(static_cast<std::int64_t>(t.anchor.at(i)),
                     static_cast<std::int64_t>(t.positive.at(i)),
                     static_cast<std::int64_t>(t.negative.at(i)));
  return out;
}

std::vector<Pair> pairs_of(const Tensor& a, const Tensor& b) {
  std::vector<Pair> out;
  for (std::int64_t i = 0; i < a.numel(); ++i)
    out.emplace_back(static_cast<std::int64_t>(a.at(i)), static_cast<std::int64_t>(b.at(i)));
  return out;
}

Tensor labels(std::vector<std::int64_t> v) { return from_vector(v); }
Tensor points_1d(std::vector<double> v) {
  const auto n = static_cast<std::int64_t>(v.size());
  return from_vector(v, {n, 1});
}

// Euclidean distance from coordinates (the oracle; independent of distance_util).
double dist(const Tensor& x, std::int64_t i, std::int64_t j) {
  double s = 0;
  for (std::int64_t k = 0; k < x.size(1); ++k) {
    const double d = x.at(i * x.size(1) + k) - x.at(j * x.size(1) + k);
    s += d * d;
  }
  return std::sqrt(s);
}

// 1-D points 0, 1, 3, 2.5, 10 with labels 0, 0, 1, 1, 2 (worked by hand in the cases below).
Tensor hand_x() { return points_1d({0, 1, 3, 2.5, 10}); }
Tensor hand_y() { return labels({0, 0, 1, 1, 2}); }

TEST_CASE("miners: all pairs and all triplets by hand") {
  const PairTuples p = all_pairs(hand_y());
  CHECK(p.num_positive() == 4);
  CHECK(p.num_negative() == 16);
  CHECK(pairs_of(p.anchor_pos, p.positive) == std::vector<Pair>{{0, 1}, {1, 0}, {2, 3}, {3, 2}});
  const TripletTuples t = all_triplets(hand_y());
  CHECK(t.count() == 12);  // anchors 0-3: one positive x three negatives; anchor 4 has none
  CHECK(triplets_of(t)[0] == Triplet{0, 1, 2});
  CHECK(triplets_of(t)[11] == Triplet{3, 2, 4});
  const PairTuples q = to_pairs(t);
  CHECK(q.count() == 24);
}

TEST_CASE("miners: batch hard picks the farthest positive and the closest negative") {
  const TripletTuples t = batch_hard_triplets(hand_x(), hand_y());
  CHECK(triplets_of(t) == std::vector<Triplet>{{0, 1, 3}, {1, 0, 3}, {2, 3, 1}, {3, 2, 1}});
}

TEST_CASE("miners: semi-hard keeps d(a,p) < d(a,n) < d(a,p) + margin") {
  const TripletTuples t = semi_hard_triplets(hand_x(), hand_y(), {.margin = 2.0});
  CHECK(triplets_of(t) ==
        std::vector<Triplet>{{0, 1, 3}, {1, 0, 2}, {1, 0, 3}, {2, 3, 1}, {3, 2, 1}});
}

TEST_CASE("miners: hard-negative pairs") {
  const PairTuples p = hard_negative_pairs(hand_x(), hand_y());
  CHECK(p.num_positive() == 4);
  CHECK(pairs_of(p.anchor_neg, p.negative) ==
        std::vector<Pair>{{0, 3}, {1, 3}, {2, 1}, {3, 1}, {4, 2}});
  const PairTuples all = hard_negative_pairs(hand_x(), hand_y(), {.negatives_per_anchor = 99});
  CHECK(all.num_negative() == 16);
}

TEST_CASE("miners: multi-similarity pairs by hand") {
  // Easy layout: every positive closer than every negative by more than epsilon: nothing mined.
  const PairTuples none =
      multi_similarity_pairs(hand_x(), hand_y(), {.distance = Distance::kEuclidean});
  CHECK(none.count() == 0);
  // 0, 2 | 1, 3 | 10: classes interleave.
  const PairTuples p = multi_similarity_pairs(points_1d({0, 2, 1, 3, 10}), hand_y(),
                                              {.distance = Distance::kEuclidean});
  CHECK(pairs_of(p.anchor_pos, p.positive) == std::vector<Pair>{{0, 1}, {1, 0}, {2, 3}, {3, 2}});
  CHECK(pairs_of(p.anchor_neg, p.negative) ==
        std::vector<Pair>{{0, 2}, {1, 2}, {1, 3}, {2, 0}, {2, 1}, {3, 1}});
}

TEST_CASE("miners: random batches agree with brute force on the definitions") {
  Generator gen(3);
  const Tensor x = randn({12, 3}, gen, kFloat64);
  const Tensor y = labels({0, 1, 2, 0, 1, 2, 0, 1, 2, 3, 3, 0});
  const auto n = y.numel();
  auto same = [&](std::int64_t i, std::int64_t j) { return y.at(i) == y.at(j); };
  // batch hard
  std::vector<Triplet> hard;
  for (std::int64_t a = 0; a < n; ++a) {
    std::int64_t bp = -1, bn = -1;
    for (std::int64_t j = 0; j < n; ++j) {
      if (j != a && same(a, j) && (bp < 0 || dist(x, a, j) > dist(x, a, bp))) bp = j;
      if (!same(a, j) && (bn < 0 || dist(x, a, j) < dist(x, a, bn))) bn = j;
    }
    if (bp >= 0 && bn >= 0) hard.emplace_back(a, bp, bn);
  }
  CHECK(triplets_of(batch_hard_triplets(x, y)) == hard);
  // semi-hard
  std::set<Triplet> semi;
  for (std::int64_t a = 0; a < n; ++a)
    for (std::int64_t p = 0; p < n; ++p)
      for (std::int64_t k = 0; k < n; ++k)
        if (p != a && same(a, p) && !same(a, k) && dist(x, a, p) < dist(x, a, k) &&
            dist(x, a, k) < dist(x, a, p) + 0.5)
          semi.emplace(a, p, k);
  const auto mined = triplets_of(semi_hard_triplets(x, y, {.margin = 0.5}));
  CHECK(std::set<Triplet>(mined.begin(), mined.end()) == semi);
  CHECK(mined.size() == semi.size());
  // multi-similarity with cosine: check each kept / dropped pair against the rule
  const PairTuples ms = multi_similarity_pairs(x, y);
  std::set<Pair> kept_pos, kept_neg;
  for (auto pr : pairs_of(ms.anchor_pos, ms.positive)) kept_pos.insert(pr);
  for (auto pr : pairs_of(ms.anchor_neg, ms.negative)) kept_neg.insert(pr);
  auto cos = [&](std::int64_t i, std::int64_t j) {
    double d = 0, a = 0, b = 0;
    for (std::int64_t k = 0; k < 3; ++k) {
      d += x.at(i * 3 + k) * x.at(j * 3 + k);
      a += x.at(i * 3 + k) * x.at(i * 3 + k);
      b += x.at(j * 3 + k) * x.at(j * 3 + k);
    }
    return d / std::sqrt(a * b);
  };
  for (std::int64_t a = 0; a < n; ++a) {
    double min_pos = INFINITY, max_neg = -INFINITY;
    for (std::int64_t j = 0; j < n; ++j) {
      if (j != a && same(a, j)) min_pos = std::min(min_pos, cos(a, j));
      if (!same(a, j)) max_neg = std::max(max_neg, cos(a, j));
    }
    for (std::int64_t j = 0; j < n; ++j) {
      if (j != a && same(a, j)) CHECK(kept_pos.count({a, j}) == (cos(a, j) - 0.1 < max_neg));
      if (!same(a, j)) CHECK(kept_neg.count({a, j}) == (cos(a, j) + 0.1 > min_pos));
    }
  }
}

TEST_CASE("miners: distance-weighted sampling is seeded, valid and weighted by 1/q(d)") {
  Generator data(5);
  const Tensor x = randn({16, 8}, data, kFloat64);
  const Tensor y = labels({0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3});
  Generator g1(7), g2(7);
  const TripletTuples t1 = distance_weighted_triplets(x, y, g1);
  const TripletTuples t2 = distance_weighted_triplets(x, y, g2);
  CHECK(triplets_of(t1) == triplets_of(t2));
  const Tensor delta = dissimilarity_matrix(x, Distance::kEuclidean, true);
  for (auto [a, p, k] : triplets_of(t1)) {
    CHECK(y.at(a) == y.at(p));
    CHECK(a != p);
    CHECK(y.at(a) != y.at(k));
    CHECK(delta.at(a * 16 + k) < 1.4);
  }
  // D = 3: w(d) = 1 / d^{D-2} = 1/d. Negatives at chord distances 0.6 and 1.2 from the anchor are
  // drawn 2:1.
  auto unit = [](double chord) {
    const double theta = 2 * std::asin(chord / 2);
    return std::vector<double>{std::cos(theta), std::sin(theta), 0};
  };
  std::vector<double> v = {1, 0, 0, 1, 0, 0};
  for (double c : {0.6, 1.2})
    for (double e : unit(c)) v.push_back(e);
  const Tensor xs = from_vector(v, {4, 3});
  const Tensor ys = labels({0, 0, 1, 2});
  Generator gen(11);
  int near = 0, total = 0;
  for (int r = 0; r < 3000; ++r) {
    const TripletTuples t = distance_weighted_triplets(xs, ys, gen);
    for (auto [a, p, k] : triplets_of(t)) {
      near += k == 2;
      ++total;
    }
  }
  CHECK(total == 6000);  // two anchors with one positive each, every round
  CHECK(static_cast<double>(near) / total == doctest::Approx(2.0 / 3.0).epsilon(0.03));
}

TEST_CASE("miners: a batch without valid tuples gives empty tuples and count 0") {
  const Tensor distinct = labels({0, 1, 2, 3});
  const Tensor one_class = labels({5, 5, 5});
  Generator gen(0);
  const Tensor x4 = points_1d({0, 1, 2, 3}), x3 = points_1d({0, 1, 2});
  CHECK(all_triplets(distinct).count() == 0);
  CHECK(all_triplets(one_class).count() == 0);
  CHECK(all_pairs(distinct).num_positive() == 0);
  CHECK(all_pairs(one_class).num_negative() == 0);
  CHECK(batch_hard_triplets(x4, distinct).count() == 0);
  CHECK(semi_hard_triplets(x3, one_class).count() == 0);
  CHECK(distance_weighted_triplets(x4, distinct, gen).count() == 0);
  CHECK(multi_similarity_pairs(x3, one_class).count() == 0);
  CHECK(hard_negative_pairs(x3, one_class).num_negative() == 0);
  const TripletTuples empty = all_triplets(distinct);
  CHECK(empty.anchor.shape() == Shape{0});
  CHECK(empty.anchor.dtype() == kInt64);
  CHECK(to_pairs(empty).count() == 0);
}

TEST_CASE("miners: ratio-capped pairs keep every positive and the hardest negatives by hand") {
  // Unordered pairs of hand_x: positives (0,1), (2,3); negatives by distance (1,3) 1.5, (1,2) 2,
  // (0,3) 2.5, (0,2) 3, (2,4) 7, (3,4) 7.5, (1,4) 9, (0,4) 10.
  Generator gen(0);
  auto mine = [&](double ratio) {
    return ratio_capped_pairs(hand_x(), hand_y(), gen,
                              {.max_negative_ratio = ratio, .hardest = true});
  };
  const PairTuples one = mine(1.0);
  CHECK(pairs_of(one.anchor_pos, one.positive) == std::vector<Pair>{{0, 1}, {2, 3}});
  CHECK(pairs_of(one.anchor_neg, one.negative) == std::vector<Pair>{{1, 2}, {1, 3}});
  const PairTuples more = mine(1.5);  // floor(1.5 * 2) = 3
  CHECK(pairs_of(more.anchor_neg, more.negative) == std::vector<Pair>{{0, 3}, {1, 2}, {1, 3}});
  CHECK(mine(10.0).num_negative() == 8);
  CHECK(mine(0.0).num_negative() == 0);
  CHECK(mine(0.0).num_positive() == 2);
  // cosine dissimilarity ranks by angle: every 1-D point but the origin has the same direction
  const PairTuples cos = ratio_capped_pairs(points_1d({1, 2, -1, 3}), labels({0, 0, 1, 1}), gen,
                                            {.hardest = true, .distance = Distance::kCosine});
  CHECK(pairs_of(cos.anchor_neg, cos.negative) == std::vector<Pair>{{0, 3}, {1, 3}});
}

TEST_CASE("miners: ratio-capped pairs draw negatives uniformly without replacement") {
  const std::vector<Pair> negatives = {{0, 2}, {0, 3}, {0, 4}, {1, 2},
                                       {1, 3}, {1, 4}, {2, 4}, {3, 4}};
  std::map<Pair, int> hits;
  std::set<std::vector<Pair>> distinct;
  Generator gen(7);
  const int draws = 4000;
  for (int d = 0; d < draws; ++d) {
    const PairTuples p = ratio_capped_pairs(hand_x(), hand_y(), gen);
    const std::vector<Pair> kept = pairs_of(p.anchor_neg, p.negative);
    REQUIRE(kept.size() == 2);
    CHECK(kept[0] < kept[1]);  // row-major, no repeat
    for (const Pair& k : kept) {
      CHECK(std::find(negatives.begin(), negatives.end(), k) != negatives.end());
      ++hits[k];
    }
    distinct.insert(kept);
  }
  CHECK(distinct.size() == 28);  // every 2 of the 8
  // each negative is kept with probability 2/8: 1000 of 4000, sd 27
  for (const Pair& k : negatives) CHECK(std::abs(hits[k] - 1000) < 140);
  // a seeded generator repeats the draw
  Generator g1(3), g2(3);
  const PairTuples a = ratio_capped_pairs(hand_x(), hand_y(), g1);
  const PairTuples b = ratio_capped_pairs(hand_x(), hand_y(), g2);
  CHECK(pairs_of(a.anchor_neg, a.negative) == pairs_of(b.anchor_neg, b.negative));
}

TEST_CASE("miners: mining records nothing on the tape") {
  Generator gen(1);
  const Tensor x = randn({6, 4}, gen, kFloat64);
  const std::size_t before = tape_size();
  Variable v(x, true);
  const TripletTuples t =
      batch_hard_triplets(v.value(), labels({0, 0, 1, 1, 2, 2}), {.normalize_embeddings = true});
  CHECK(t.count() == 6);
  CHECK(tape_size() == before);
}

TEST_CASE("miners: errors name the miner") {
  CHECK_THROWS_WITH_AS(all_pairs(from_vector(std::vector<double>{0, 1})),
                       doctest::Contains("all_pairs: labels must be int64"), Error);
  CHECK_THROWS_WITH_AS(batch_hard_triplets(points_1d({0, 1, 2}), labels({0, 1})),
                       doctest::Contains("batch_hard_triplets: embeddings [3,1] and labels [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(all_triplets(zeros({0}, kInt64)),
                       doctest::Contains("all_triplets: the batch is empty"), Error);
  CHECK_THROWS_WITH_AS(semi_hard_triplets(hand_x(), hand_y(), {.margin = 0}),
                       doctest::Contains("semi_hard_triplets: margin must be > 0"), Error);
  CHECK_THROWS_WITH_AS(hard_negative_pairs(hand_x(), hand_y(), {.negatives_per_anchor = 0}),
                       doctest::Contains("negatives_per_anchor must be >= 1"), Error);
  Generator gen(0);
  CHECK_THROWS_WITH_AS(
      ratio_capped_pairs(hand_x(), hand_y(), gen, {.max_negative_ratio = -1}),
      doctest::Contains("ratio_capped_pairs: max_negative_ratio must be finite and >= 0, got -1"),
      Error);
  CHECK_THROWS_WITH_AS(ratio_capped_pairs(points_1d({0, 1}), hand_y(), gen),
                       doctest::Contains("ratio_capped_pairs: embeddings [2,1] and labels [5]"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
