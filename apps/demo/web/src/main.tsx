// The explorer's entry point: mounts the App into #app.
import { render } from 'preact'
import { App } from './app.tsx'
import './style.css'
import './views.css'
import 'uplot/dist/uPlot.min.css'

render(<App />, document.getElementById('app')!)
