"""
The demo page in a real headless Chromium (Debian's `chromium` and `chromium-driver`), driven
by selenium: for its test and for the README's screenshot.
"""

import contextlib
import shutil
import tempfile
from typing import Dict, Iterator, List, Optional, Tuple

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Headless, and nothing that reaches out to the network on its own (this machine has none).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=900,760",
]
# Seconds to wait for the page to show a prediction or an error.
WAIT_SECONDS = 60


def missing_browser() -> Optional[str]:
    """Why the browser cannot run here, or `None` when it can."""
    absent = [path for path in (CHROMIUM, CHROMEDRIVER) if shutil.which(path) is None]
    if absent:
        return (
            f"{' and '.join(absent)} not installed: apt-get install chromium chromium-driver "
            f"(.ci/run installs them)"
        )
    return None


@contextlib.contextmanager
def chromium() -> Iterator[WebDriver]:
    """A headless Chromium with a new empty profile, closed on exit."""
    with tempfile.TemporaryDirectory(prefix="bert_cls-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
        try:
            yield driver
        finally:
            driver.quit()


class DemoPage:
    """The demo page at `url`, opened in `driver`."""

    def __init__(self, driver: WebDriver, url: str) -> None:
        self.driver = driver
        driver.get(url)

    def heading(self) -> str:
        return self.driver.find_element(By.ID, "title").text

    def field_names(self) -> List[str]:
        boxes = self.driver.find_elements(By.TAG_NAME, "textarea")
        return [box.get_attribute("data-field") for box in boxes]

    def predict(self, texts: Dict[str, str]) -> None:
        """Types `texts` (field name -> text) into their boxes and presses Predict."""
        for name, text in texts.items():
            box = self.driver.find_element(By.CSS_SELECTOR, f'textarea[data-field="{name}"]')
            box.clear()
            box.send_keys(text)
        self.driver.find_element(By.ID, "predict").click()

    def wait_for(self, element_id: str) -> str:
        """Waits until the element `element_id` (`result`, `error`) is shown; its text."""
        element = self.driver.find_element(By.ID, element_id)
        WebDriverWait(self.driver, WAIT_SECONDS).until(
            lambda driver: element.is_displayed() and element.text.strip()
        )
        return element.text

    def label(self) -> str:
        self.wait_for("result")
        return self.driver.find_element(By.ID, "label").text

    def bars(self) -> List[Tuple[str, float]]:
        """Each bar's label and the percentage it shows, top first."""
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#bars .bar-row")
        return [
            (
                row.get_attribute("data-label"),
                float(row.find_element(By.CLASS_NAME, "bar-value").text.rstrip("%")),
            )
            for row in rows
        ]

    def error(self) -> str:
        return self.wait_for("error")

    def result_shown(self) -> bool:
        return self.driver.find_element(By.ID, "result").is_displayed()
