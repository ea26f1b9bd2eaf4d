#!/usr/bin/python3
"""consumer_common.compare_outputs, the comparison of two implementations' outputs the consumer tests
share: it lets a near tie go either way, and still fails on a real disagreement. Needs python3-numpy;
skips (exit 77) without it, unless TAPEGRAD_CI is set."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from consumer_common import compare_outputs, require_modules, top_two_margin  # noqa: E402

(np,) = require_modules(("numpy", "python3-numpy"))
TOLERANCE = 1e-4


class CompareOutputs(unittest.TestCase):
    def setUp(self):
        # 10000 images of 10 classes, like MNIST's test set; the other implementation differs by
        # summation-order noise well inside the tolerance.
        # Every image starts at least 0.01 clear of a tie.
        rng = np.random.default_rng(20)
        self.reference = rng.normal(0, 3, (10000, 10)).astype(np.float32)
        self.reference[np.arange(10000), self.reference.argmax(1)] += 0.01
        self.labels = rng.integers(0, 10, 10000)
        self.outputs = self.reference + rng.uniform(-8e-6, 8e-6, self.reference.shape).astype(np.float32)
        self.assertGreater(top_two_margin(self.reference).min(), 0.009)
        self.decided = 4321  # an image the tests below leave clear of a tie

    def make_near_tie(self, image, swap):
        """Brings the reference's top two of `image` within half the tolerance; `swap` makes the other
        implementation pick the runner-up there (its outputs still within the tolerance)."""
        first, second = np.argsort(self.reference[image])[::-1][:2]
        self.reference[image, second] = self.reference[image, first] - TOLERANCE / 2
        self.outputs[image] = self.reference[image]
        if swap:
            self.outputs[image, first], self.outputs[image, second] = self.reference[image, [second, first]]

    def fails(self, **kwargs):
        with self.assertRaises(AssertionError) as caught:
            compare_outputs("self-test", self.outputs, self.reference, self.labels, **kwargs)
        return str(caught.exception)

    def test_agreeing_implementations_pass(self):
        compare_outputs("self-test", self.outputs, self.reference, self.labels)

    def test_a_near_tie_may_go_either_way(self):
        for image in range(10):
            self.make_near_tie(image, swap=True)
        self.assertTrue(np.all(self.outputs[:10].argmax(1) != self.reference[:10].argmax(1)))
        compare_outputs("self-test", self.outputs, self.reference, self.labels)

    def test_more_than_10_near_ties_in_10000_fail(self):
        for image in range(11):
            self.make_near_tie(image, swap=False)
        self.assertIn("11 near ties, at most 10 of 10000 allowed", self.fails())

    def test_swapping_the_top_two_of_a_decided_image_fails(self):
        # The mutation the near-tie allowance must not hide.
        i = self.decided
        first, second = np.argsort(self.outputs[i])[::-1][:2]
        self.outputs[i, [first, second]] = self.outputs[i, [second, first]]
        message = self.fails()
        self.assertIn("1 predictions differ where the reference is not a near tie", message)
        self.assertIn(f"image {i}: class {second} vs {first}", message)

    def test_a_wrong_argmax_fails_though_the_outputs_agree(self):
        # An implementation's own argmax (tapegrad's predictions.i64) is checked, not only its outputs.
        predicted = self.outputs.argmax(1)
        predicted[self.decided] = (predicted[self.decided] + 1) % 10
        message = self.fails(predicted=predicted)
        self.assertNotIn("outputs differ", message)
        self.assertIn(f"image {self.decided}: class", message)

    def test_outputs_beyond_the_tolerance_fail(self):
        self.outputs[3, 4] = self.reference[3, 4] + 3 * TOLERANCE
        self.assertRegex(self.fails(), r"outputs differ by 0\.000[23]\d* \(> 0\.0001\)")

    def test_nan_fails(self):
        self.outputs[5, 0] = np.nan
        self.assertIn("outputs differ by nan", self.fails())


if __name__ == "__main__":
    unittest.main()
