import { render } from "preact";
import { Dashboard } from "./Dashboard";

render(<Dashboard />, document.getElementById("app")!);
